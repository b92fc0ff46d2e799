use super::*;

#[test]
fn columns_are_padded_to_the_widest_cell_and_long_cells_cut() {
    let mut table = Table::new(&["id", "error"]);
    table.row(vec!["1".into(), "short".into()]);
    table.row(vec!["12345".into(), "x".repeat(100)]);
    table.row(vec!["7".into(), "two\nlines".into()]);
    let text = table.render();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id     error");
    assert_eq!(lines[1], "1      short");
    assert!(lines[2].ends_with('…'));
    assert_eq!(lines[2].chars().count(), 7 + MAX_CELL);
    assert_eq!(lines[3], "7      two lines");
}

#[test]
fn absent_values_show_a_dash() {
    assert_eq!(opt(None::<i64>), "-");
    assert_eq!(opt(Some(3)), "3");
}
