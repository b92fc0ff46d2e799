//! Unit tests of `slow`.

use super::*;

#[test]
fn levels_follow_the_thresholds() {
    let t = SlowThresholds::default();
    assert_eq!(t.level(Duration::from_millis(49)), None);
    assert_eq!(t.level(Duration::from_millis(50)), Some(SlowLevel::Debug));
    assert_eq!(t.level(Duration::from_millis(100)), Some(SlowLevel::Warn));
    assert_eq!(t.level(Duration::from_millis(499)), Some(SlowLevel::Warn));
    assert_eq!(t.level(Duration::from_secs(2)), Some(SlowLevel::Error));
}

#[test]
fn parses_and_refuses_thresholds() {
    assert_eq!("50,100,500".parse::<SlowThresholds>().unwrap(), SlowThresholds::default());
    assert_eq!("10, 20 ,30".parse::<SlowThresholds>().unwrap().to_string(), "10,20,30");
    let error = "50,100".parse::<SlowThresholds>().unwrap_err();
    assert!(error.contains("expected three thresholds"), "{error}");
    let error = "50,x,500".parse::<SlowThresholds>().unwrap_err();
    assert!(error.contains("warn threshold must be a whole number"), "{error}");
    let error = "500,100,50".parse::<SlowThresholds>().unwrap_err();
    assert!(error.contains("must not decrease"), "{error}");
}
