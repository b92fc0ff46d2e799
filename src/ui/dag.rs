//! A job's parents and children as an inline SVG: parents in the left column, the job in the
//! middle, children on the right, each box linking to its job and coloured by state (the style
//! sheet's `st-*` classes); a dashed edge is a `run` edge (the child runs even when this parent
//! fails), a solid one a `cancel` edge.

use super::layout::esc;
use crate::store::job_admin::JobRecord;
use crate::store::job_console::{Edges, Neighbour};
use crate::types::JobState;

/// Neighbours drawn per side; the rest are counted.
const MAX_SIDE: usize = 25;
const BOX_W: i64 = 220;
const BOX_H: i64 = 36;
const ROW: i64 = 48;
const COLUMN: [i64; 3] = [10, 260, 510];
const KIND_CHARS: usize = 22;

struct Node<'a> {
    id: i64,
    kind: &'a str,
    state: JobState,
    dashed: bool,
}

/// The drawing (or a sentence when the job has no parents and no children).
pub fn draw(job: &JobRecord, edges: &Edges) -> String {
    if edges.parents.is_empty() && edges.children.is_empty() {
        return r#"<p id="dag">No parents and no children.</p>"#.to_string();
    }
    let (parents, children) = (side(&edges.parents), side(&edges.children));
    let rows = parents.len().max(children.len()).max(1) as i64
        + i64::from(edges.parents.len() > MAX_SIDE || edges.children.len() > MAX_SIDE);
    let height = rows * ROW + 10;
    let middle_y = (height - BOX_H) / 2;
    let mut svg = format!(
        r#"<svg id="dag" class="dag" viewBox="0 0 740 {height}" width="740" height="{height}" role="img" aria-label="parents and children of job {}">"#,
        job.id
    );
    let me = Node { id: job.id, kind: &job.kind, state: job.state, dashed: false };
    for (column, list) in [(0usize, &parents), (2, &children)] {
        for (row, node) in list.iter().enumerate() {
            let y = 5 + row as i64 * ROW;
            // Parent → job or job → child, from the right edge to the left edge.
            let (x1, y1, x2, y2) = if column == 0 {
                (COLUMN[0] + BOX_W, y + BOX_H / 2, COLUMN[1], middle_y + BOX_H / 2)
            } else {
                (COLUMN[1] + BOX_W, middle_y + BOX_H / 2, COLUMN[2], y + BOX_H / 2)
            };
            let class = if node.dashed { "edge run" } else { "edge" };
            let mid = (x1 + x2) / 2;
            svg.push_str(&format!(
                r#"<path class="{class}" d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"/>"#
            ));
            svg.push_str(&node_svg(node, COLUMN[column], y, false));
        }
        let total = if column == 0 { edges.parents.len() } else { edges.children.len() };
        if total > MAX_SIDE {
            let y = 5 + MAX_SIDE as i64 * ROW + BOX_H / 2;
            svg.push_str(&format!(
                r#"<text class="more" x="{}" y="{y}">+{} more</text>"#,
                COLUMN[column] + 8,
                total - MAX_SIDE
            ));
        }
    }
    svg.push_str(&node_svg(&me, COLUMN[1], middle_y, true));
    svg.push_str("</svg>");
    svg
}

fn side(list: &[Neighbour]) -> Vec<Node<'_>> {
    list.iter()
        .take(MAX_SIDE)
        .map(|n| Node {
            id: n.id,
            kind: &n.kind,
            state: n.state,
            dashed: n.on_parent_failure == "run",
        })
        .collect()
}

fn node_svg(node: &Node<'_>, x: i64, y: i64, current: bool) -> String {
    let kind: String = node.kind.chars().take(KIND_CHARS).collect();
    let current = if current { " current" } else { "" };
    format!(
        r#"<a href="/ui/jobs/{id}"><rect class="node st-{state}{current}" x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4"/><text x="{tx}" y="{ty1}">#{id} {kind}</text><text class="sub" x="{tx}" y="{ty2}">{state}</text></a>"#,
        id = node.id,
        state = node.state,
        tx = x + 8,
        ty1 = y + 15,
        ty2 = y + 30,
        kind = esc(kind),
    )
}

#[cfg(test)]
mod tests;
