//! Foreign-key order: strongly connected components (cycles) with petgraph, then Kahn's
//! algorithm over the components, ties broken by name.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;

use crate::model::Table;

/// A foreign-key order over a set of tables: strongly connected components (cycles) found
/// with petgraph, then Kahn's algorithm over the components, ties broken by name.
pub(super) struct FkOrder {
    pub(super) order: Vec<String>,
}

impl FkOrder {
    pub(super) fn rank(&self, table: &str) -> usize {
        self.order
            .iter()
            .position(|t| t == table)
            .unwrap_or(self.order.len())
    }
}

pub(super) fn fk_order(tables: &BTreeMap<String, Table>) -> FkOrder {
    let mut graph: DiGraphMap<&str, ()> = DiGraphMap::new();
    for name in tables.keys() {
        graph.add_node(name);
    }
    for (name, table) in tables {
        for target in table.referenced_tables() {
            if tables.contains_key(target) {
                // parent → child: parents come first.
                graph.add_edge(target, name.as_str(), ());
            }
        }
    }
    let components = tarjan_scc(&graph);
    let component_of: BTreeMap<&str, usize> = components
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.iter().map(move |n| (*n, i)))
        .collect();
    let mut indegree = vec![0usize; components.len()];
    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (a, b, _) in graph.all_edges() {
        let (ca, cb) = (component_of[a], component_of[b]);
        if ca != cb && edges.insert((ca, cb)) {
            indegree[cb] += 1;
        }
    }
    let key = |c: usize| -> String {
        components[c]
            .iter()
            .min()
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let mut ready: BTreeSet<(String, usize)> = (0..components.len())
        .filter(|c| indegree[*c] == 0)
        .map(|c| (key(c), c))
        .collect();
    let mut order = Vec::new();
    while let Some((k, c)) = ready.iter().next().cloned() {
        ready.remove(&(k, c));
        let mut members: Vec<&str> = components[c].clone();
        members.sort();
        order.extend(members.into_iter().map(String::from));
        for &(_, to) in edges.range((c, 0)..(c + 1, 0)) {
            indegree[to] -= 1;
            if indegree[to] == 0 {
                ready.insert((key(to), to));
            }
        }
    }
    FkOrder { order }
}
