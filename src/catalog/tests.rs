use super::*;

const EXAMPLE: &str = include_str!("../../config/challenges.json");

fn goal_json(overrides: &str) -> String {
    format!(
        r#"{{"challenges":[{{"challenge_id":"c","name":"C","goals":[{{
            "goal_id":"g","name":"G","stat_code":"kills","mode":"increment","target":5,
            "reward":{{"type":"currency","item_id":"gold","quantity":1}}{overrides}}}]}}]}}"#
    )
}

fn error_of(json: &str) -> String {
    Catalog::from_json(json).unwrap_err().to_string()
}

#[test]
fn example_catalog_loads_and_indexes_by_stat() {
    let catalog = Catalog::from_json(EXAMPLE).unwrap();
    assert_eq!(catalog.challenges().len(), 4);
    let kills: Vec<&str> =
        catalog.goals_for_stat("kills").iter().map(|g| catalog.goal(*g).goal_id.as_str()).collect();
    assert_eq!(kills, ["daily-kills-25", "monthly-kills-1000"]);
    assert!(catalog.goals_for_stat("unknown").is_empty());
    let modes: HashSet<Mode> = catalog.goals().iter().map(|g| g.mode).collect();
    assert_eq!(modes.len(), 3, "the example shows every mode");
    let weekly = catalog.goal(catalog.goal_ref("weekly-wins-10").unwrap());
    assert_eq!(weekly.rotation, Rotation::Weekly, "goals inherit the challenge's rotation");
    assert_eq!(weekly.challenge_id, "weekly-climb");
}

#[test]
fn non_positive_target_names_goal_and_field() {
    let message = error_of(&goal_json("").replace("\"target\":5", "\"target\":0"));
    assert!(message.contains("goal \"g\"") && message.contains("`target`"), "{message}");
}

#[test]
fn wrong_type_names_the_json_path() {
    let message = error_of(&goal_json("").replace("\"target\":5", "\"target\":\"five\""));
    assert!(message.contains("challenges[0].goals[0].target"), "{message}");
}

#[test]
fn unknown_mode_and_unknown_field_are_refused() {
    let message = error_of(&goal_json("").replace("increment", "sometimes"));
    assert!(message.contains("goals[0].mode"), "{message}");
    let message = error_of(&goal_json(r#","colour":"red""#));
    assert!(message.contains("colour"), "{message}");
}

#[test]
fn unknown_prerequisite_is_refused() {
    let message = error_of(&goal_json(r#","prerequisites":["nope"]"#));
    assert!(message.contains("`prerequisites`") && message.contains("nope"), "{message}");
}

#[test]
fn prerequisite_cycle_is_refused() {
    let json = r#"{"challenges":[{"challenge_id":"c","name":"C","goals":[
        {"goal_id":"a","name":"A","stat_code":"s","mode":"increment","target":1,"prerequisites":["b"],
         "reward":{"type":"t","item_id":"i","quantity":1}},
        {"goal_id":"b","name":"B","stat_code":"s","mode":"increment","target":1,"prerequisites":["a"],
         "reward":{"type":"t","item_id":"i","quantity":1}}]}]}"#;
    assert!(error_of(json).contains("cycle"));
}

#[test]
fn duplicate_goal_id_is_refused() {
    let json = goal_json("").replace("}]}]}", "},{\"goal_id\":\"g\",\"name\":\"G2\",\"stat_code\":\"s\",\"mode\":\"absolute\",\"target\":1,\"reward\":{\"type\":\"t\",\"item_id\":\"i\",\"quantity\":1}}]}]}");
    let message = error_of(&json);
    assert!(message.contains("duplicate goal id"), "{message}");
}

#[test]
fn overlong_ids_and_bad_rewards_are_refused() {
    let long = "x".repeat(MAX_ID_LEN + 1);
    let message = error_of(&goal_json("").replace("\"kills\"", &format!("\"{long}\"")));
    assert!(message.contains("`stat_code`"), "{message}");
    let message = error_of(&goal_json("").replace("\"quantity\":1", "\"quantity\":-3"));
    assert!(message.contains("`reward.quantity`"), "{message}");
}

#[test]
fn load_reports_the_path() {
    let error = Catalog::load("/nonexistent/challenges.json").unwrap_err().to_string();
    assert!(error.contains("/nonexistent/challenges.json"), "{error}");
}

fn mapping_error(mapping: &str) -> String {
    let json = goal_json("").replacen("]}]}", &format!("]}}],\"mappings\":[{mapping}]}}"), 1);
    error_of(&json)
}

#[test]
fn mappings_are_validated_with_the_path_of_the_fault() {
    let catalog = Catalog::from_json(EXAMPLE).unwrap();
    let mappings = catalog.mappings().of("match-events").unwrap();
    assert_eq!(mappings[0].stats.len(), 6);
    assert!(catalog.mappings().of("goalstream.events").is_none());
    let ok = r#"{"topic":"t","player_id":"/p","stats":[{"stat_code":"kills","kind":"delta","path":"/k"}]}"#;
    let json = goal_json("").replacen("]}]}", &format!("]}}],\"mappings\":[{ok}]}}"), 1);
    assert!(Catalog::from_json(&json).is_ok(), "{json}");
    for (broken, expected) in [
        (ok.replace("/p", "p"), "at mappings[0].player_id: \"p\" is not a JSON pointer"),
        (
            ok.replace("kills", "deaths"),
            "at mappings[0].stats[0].stat_code: no goal reads stat \"deaths\"",
        ),
        (
            ok.replace(r#""path":"/k""#, r#""constant":-1"#),
            "at mappings[0].stats[0].constant: must be >= 0",
        ),
        (
            ok.replace(r#","path":"/k""#, ""),
            "at mappings[0].stats[0]: give exactly one of `path` and `constant`",
        ),
        (
            ok.replace(r#""path":"/k""#, r#""path":"/k~2""#),
            "at mappings[0].stats[0].path: \"/k~2\": `~` must be followed",
        ),
        (
            ok.replace(r#""topic":"t","#, r#""topic":"t","when":[{"path":"/x"}],"#),
            "at mappings[0].when[0]: give exactly one of `equals` and `exists`",
        ),
        (
            ok.replace(
                r#""stats":[{"stat_code":"kills","kind":"delta","path":"/k"}]"#,
                r#""stats":[]"#,
            ),
            "at mappings[0].stats: a mapping needs at least one stat",
        ),
    ] {
        let got = mapping_error(&broken);
        assert!(got.contains(expected), "{broken}: {got}");
    }
    let got = mapping_error(&ok.replace("delta", "sum"));
    assert!(got.contains("mappings[0].stats[0].kind") && got.contains("unknown variant"), "{got}");
}

#[test]
fn a_topic_s_mappings_can_move_to_another_topic() {
    let mut catalog = Catalog::from_json(EXAMPLE).unwrap();
    assert!(catalog.rename_topic("match-events", "run-42"));
    assert!(catalog.mappings().of("match-events").is_none());
    let moved = catalog.mappings().of("run-42").unwrap();
    assert!(moved.iter().all(|m| m.topic == "run-42"));
    assert!(catalog.mappings().all().iter().all(|m| m.topic != "match-events"));
    assert_eq!(catalog.mappings().format_of("run-42").name(), "json");
    // Nothing to move, or a target that has mappings of its own: nothing changes.
    assert!(!catalog.rename_topic("match-events", "elsewhere"));
    assert!(!catalog.rename_topic("run-42", "run-42"));
    assert!(catalog.mappings().of("run-42").is_some());
}
