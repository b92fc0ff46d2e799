use chrono::Utc;

use super::*;

fn job(id: i64, kind: &str) -> JobRecord {
    JobRecord {
        id,
        kind: kind.into(),
        queue: "default".into(),
        tenant: String::new(),
        priority: 2,
        effective_priority: 2,
        args: serde_json::json!({}),
        state: JobState::Pending,
        attempt: 0,
        max_attempts: 3,
        run_at: Utc::now(),
        pending_parents: 1,
        unique_key: None,
        worker_id: None,
        created_at: Utc::now(),
        attempted_at: None,
        finished_at: None,
        last_error: None,
    }
}

fn neighbour(id: i64, policy: &str) -> Neighbour {
    Neighbour { id, kind: "<k>".into(), state: JobState::Failed, on_parent_failure: policy.into() }
}

#[test]
fn parents_and_children_are_linked_boxes_with_edges() {
    let edges = Edges {
        parents: vec![neighbour(1, "cancel"), neighbour(2, "run")],
        children: vec![neighbour(4, "cancel")],
    };
    let svg = draw(&job(3, "report"), &edges);
    assert_eq!(svg.matches("<rect").count(), 4, "{svg}");
    assert_eq!(svg.matches("<path").count(), 3, "{svg}");
    assert_eq!(svg.matches(r#"class="edge run""#).count(), 1, "the run edge is dashed");
    for id in [1, 2, 3, 4] {
        assert!(svg.contains(&format!(r#"href="/ui/jobs/{id}""#)), "{id}: {svg}");
    }
    assert!(svg.contains("st-pending current") && svg.contains("st-failed"), "{svg}");
    assert!(!svg.contains("<k>") && svg.contains("&lt;k&gt;"), "kinds are escaped");
}

#[test]
fn a_lone_job_says_so_and_long_sides_are_counted() {
    assert!(draw(&job(1, "a"), &Edges::default()).starts_with("<p"));
    let many =
        Edges { parents: vec![], children: (0..30).map(|i| neighbour(i, "cancel")).collect() };
    let svg = draw(&job(99, "a"), &many);
    assert_eq!(svg.matches("<rect").count(), MAX_SIDE + 1);
    assert!(svg.contains("+5 more"), "{svg}");
}
