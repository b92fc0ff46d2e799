//! Unit tests of `graph`.

use super::*;

fn graph(edges: &[(usize, usize)], n: usize) -> JobGraph {
    let mut g = JobGraph::default();
    for _ in 0..n {
        g.job(NewJob::new("k", serde_json::json!({})));
    }
    for &(parent, child) in edges {
        g.depends(child, Parent::Node(parent));
    }
    g
}

#[test]
fn accepts_a_dag_and_refuses_cycles_and_unknown_nodes() {
    assert!(graph(&[(0, 1), (0, 2), (1, 3), (2, 3)], 4).check().is_ok());
    let error = graph(&[(0, 1), (1, 2), (2, 1)], 3).check().unwrap_err();
    assert!(error.contains("cycle through jobs [1, 2]"), "{error}");
    assert!(graph(&[(0, 0)], 1).check().unwrap_err().contains("cycle"));
    assert!(graph(&[(5, 0)], 2).check().unwrap_err().contains("unknown parent: job 5"));
    let mut g = graph(&[], 1);
    g.jobs[0].priority = 9;
    assert!(g.check().unwrap_err().contains("priority must be 1 to 5"));
}
