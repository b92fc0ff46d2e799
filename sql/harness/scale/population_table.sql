-- What `goalstream bench scale` populated in this schema, so a later run reuses it.
CREATE TABLE IF NOT EXISTS scale_population (
    players      bigint           NOT NULL,
    goals        integer          NOT NULL,
    progress_rows bigint          NOT NULL,
    seconds      double precision NOT NULL,
    populated_at timestamptz      NOT NULL DEFAULT now()
)
