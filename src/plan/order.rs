//! Dependency order (tables by foreign key, views by what they read): strongly connected
//! components (cycles) with petgraph, then Kahn's algorithm over the components, ties broken by
//! name.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;

use crate::model::{Domain, Table, View};

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
    let edges = tables.iter().flat_map(|(name, table)| {
        table
            .referenced_tables()
            .filter(|target| tables.contains_key(*target))
            .map(move |target| (target, name.as_str()))
    });
    dependency_order(tables.keys().map(String::as_str), edges)
}

/// The order of views by what they read: a view after the views it reads (of those in `views`).
pub(super) fn view_order(views: &BTreeMap<String, View>) -> FkOrder {
    let edges = views.iter().flat_map(|(name, view)| {
        view.reads
            .iter()
            .filter(move |read| views.contains_key(*read) && *read != name)
            .map(move |read| (read.as_str(), name.as_str()))
    });
    dependency_order(views.keys().map(String::as_str), edges)
}

/// The order of domains by their underlying types: a domain after the domain it is over.
pub(super) fn domain_order(domains: &BTreeMap<String, Domain>) -> FkOrder {
    let edges = domains.iter().filter_map(|(name, d)| {
        let base = crate::model::type_key(d.data_type.element());
        domains
            .get_key_value(&base)
            .filter(|(b, _)| *b != name)
            .map(|(b, _)| (b.as_str(), name.as_str()))
    });
    dependency_order(domains.keys().map(String::as_str), edges)
}

/// `nodes` ordered so that for each edge `(first, then)` `first` comes before `then`, cycles
/// kept together, ties by name.
fn dependency_order<'a>(
    nodes: impl Iterator<Item = &'a str>,
    edges: impl Iterator<Item = (&'a str, &'a str)>,
) -> FkOrder {
    let mut graph: DiGraphMap<&str, ()> = DiGraphMap::new();
    for name in nodes {
        graph.add_node(name);
    }
    for (first, then) in edges {
        // parent → child: parents come first.
        graph.add_edge(first, then, ());
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
