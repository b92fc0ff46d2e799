//! A set of jobs enqueued together with the edges between them (a DAG), checked before it
//! reaches the database: node references exist and there is no cycle.

use super::job::NewJob;

/// What a child waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    /// A job of the same graph, by index.
    Node(usize),
    /// A job already in the queue, by id.
    Job(i64),
}

/// What happens to a child when its parent fails for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnParentFailure {
    /// The child (and everything below it) is cancelled.
    #[default]
    Cancel,
    /// The parent counts as done; the child runs.
    Run,
}

impl OnParentFailure {
    /// The value stored in `job_dependencies.on_parent_failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            OnParentFailure::Cancel => "cancel",
            OnParentFailure::Run => "run",
        }
    }
}

/// `child` waits for `parent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The job waited for.
    pub parent: Parent,
    /// The waiting job, by index in the graph.
    pub child: usize,
    /// Policy when the parent fails.
    pub on_parent_failure: OnParentFailure,
}

/// Jobs and edges enqueued in one call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobGraph {
    /// The jobs; edges refer to them by index.
    pub jobs: Vec<NewJob>,
    /// The edges.
    pub edges: Vec<Edge>,
}

impl JobGraph {
    /// Adds a job; returns its index.
    pub fn job(&mut self, job: NewJob) -> usize {
        self.jobs.push(job);
        self.jobs.len() - 1
    }

    /// Makes `child` wait for `parent` (cancelled if the parent fails).
    pub fn depends(&mut self, child: usize, parent: Parent) {
        self.edges.push(Edge { parent, child, on_parent_failure: OnParentFailure::Cancel });
    }

    /// Every node reference exists, every job is valid, and the graph has no cycle.
    pub fn check(&self) -> Result<(), String> {
        for (index, job) in self.jobs.iter().enumerate() {
            job.check().map_err(|e| format!("job {index}: {e}"))?;
            if job.unique_key.is_some() {
                return Err(format!("job {index}: unique keys are not supported inside a graph"));
            }
        }
        let n = self.jobs.len();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut indegree = vec![0usize; n];
        for edge in &self.edges {
            if edge.child >= n {
                return Err(format!("edge to unknown job {} (the graph has {n})", edge.child));
            }
            if let Parent::Node(parent) = edge.parent {
                if parent >= n {
                    return Err(format!("unknown parent: job {parent} (the graph has {n})"));
                }
                children[parent].push(edge.child);
                indegree[edge.child] += 1;
            }
        }
        // Kahn: every node must come out; those left sit on a cycle.
        let mut ready: Vec<usize> = (0..n).filter(|i| indegree[*i] == 0).collect();
        let mut seen = 0;
        while let Some(node) = ready.pop() {
            seen += 1;
            for &child in &children[node] {
                indegree[child] -= 1;
                if indegree[child] == 0 {
                    ready.push(child);
                }
            }
        }
        if seen < n {
            let on_cycle: Vec<usize> = (0..n).filter(|i| indegree[*i] > 0).collect();
            return Err(format!("the graph has a cycle through jobs {on_cycle:?}"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
