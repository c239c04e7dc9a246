//! User routes: `METHOD /path/{param}/{*rest}` patterns and the table that
//! matches requests against them.
//!
//! This is the one place where route syntax, precedence and conflicts are
//! defined; the manager's `check` and `match` and the orchestrator's ingress
//! all use [`RouteTable`], so they cannot disagree. Matching is done by
//! [`matchit`] (static segments win over parameters, parameters over a
//! trailing wildcard); this module adds methods and conflict detection.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Path prefixes that belong to PiCloud itself: the path itself and
/// everything under it (`/version`, `/version/x`, but not `/versions`).
pub const RESERVED_PREFIXES: &[&str] = &["/api/", "/admin/", "/healthz", "/version", "/metrics"];

/// Methods a route may be bound to; `*` matches any.
pub const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*",
];

/// What a stored route leads to: the value of the server's route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTarget {
    pub route_id: String,
    pub script_id: String,
}

/// Why a route definition is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error(
        "unknown method `{0}` (expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or *)"
    )]
    Method(String),
    #[error("invalid route path `{path}`: {reason}")]
    Path { path: String, reason: String },
    #[error("the path `{path}` is reserved for PiCloud (prefix `{prefix}`)")]
    Reserved { path: String, prefix: String },
    #[error("route {method} {path} conflicts with the existing route {} {}", existing.method, existing.path)]
    Conflict {
        method: String,
        path: String,
        existing: RouteKey,
    },
}

/// A route's identity as the user writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RouteKey {
    pub method: String,
    pub path: String,
}

impl fmt::Display for RouteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Normalizes a method (`get` → `GET`) and checks it is one we route.
pub fn parse_method(method: &str) -> Result<String, RouteError> {
    let upper = method.trim().to_ascii_uppercase();
    if METHODS.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(RouteError::Method(method.to_string()))
    }
}

fn is_param_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A validated path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    path: String,
    /// Parameter names in order; the wildcard last, if any.
    params: Vec<String>,
    /// The pattern with parameters renamed by position, so patterns of the
    /// same shape share one matchit entry.
    shape: String,
}

impl PathPattern {
    /// Parses `/users/{id}/files/{*rest}`: static segments, whole-segment
    /// `{param}`s and an optional trailing `{*wildcard}`.
    pub fn parse(path: &str) -> Result<Self, RouteError> {
        let bad = |reason: &str| RouteError::Path {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        if !path.starts_with('/') {
            return Err(bad("it must start with `/`"));
        }
        if path.len() > 1024 {
            return Err(bad("it is longer than 1024 bytes"));
        }
        if path.contains(['?', '#']) || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad(
                "it may not contain `?`, `#`, spaces or control characters",
            ));
        }
        for prefix in RESERVED_PREFIXES {
            let bare = prefix.trim_end_matches('/');
            if path == bare || path.starts_with(&format!("{bare}/")) {
                return Err(RouteError::Reserved {
                    path: path.to_string(),
                    prefix: prefix.to_string(),
                });
            }
        }
        let segments: Vec<&str> = path[1..].split('/').collect();
        let mut params = Vec::new();
        let mut shape = String::new();
        for (i, segment) in segments.iter().enumerate() {
            let last = i == segments.len() - 1;
            shape.push('/');
            if segment.is_empty() && !last {
                return Err(bad("it has an empty segment (`//`)"));
            }
            if let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let (name, wildcard) = match inner.strip_prefix('*') {
                    Some(name) => (name, true),
                    None => (inner, false),
                };
                if !is_param_name(name) {
                    return Err(bad(&format!("`{{{inner}}}` is not a valid parameter name")));
                }
                if params.iter().any(|p| p == name) {
                    return Err(bad(&format!("the parameter `{name}` appears twice")));
                }
                if wildcard && !last {
                    return Err(bad("a `{*wildcard}` must be the last segment"));
                }
                shape.push_str(&if wildcard {
                    format!("{{*p{}}}", params.len())
                } else {
                    format!("{{p{}}}", params.len())
                });
                params.push(name.to_string());
            } else if segment.contains(['{', '}']) {
                return Err(bad("a parameter must be a whole segment: `/{name}`"));
            } else {
                shape.push_str(segment);
            }
        }
        Ok(PathPattern {
            path: path.to_string(),
            params,
            shape,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.path
    }
}

/// A route as the table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry<T> {
    key: RouteKey,
    params: Vec<String>,
    value: T,
}

/// The result of matching a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch<'a, T> {
    pub route: &'a RouteKey,
    pub value: &'a T,
    /// Extracted parameters, in pattern order.
    pub params: Vec<(String, String)>,
}

/// Why a request matched no route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error("no route matches this path")]
    NotFound,
    /// The path matches, but not with this method.
    #[error("the path matches a route, but not for this method")]
    MethodNotAllowed { allowed: Vec<String> },
}

/// Routes of one kind (with or without a trailing wildcard) in one matchit
/// router, entries of the same shape sharing a node.
#[derive(Debug, Clone)]
struct Layer<T> {
    router: matchit::Router<usize>,
    /// Entries sharing one path shape, by shape index.
    shapes: Vec<Vec<Entry<T>>>,
    by_shape: HashMap<String, usize>,
}

impl<T> Layer<T> {
    fn rebuild_router(&mut self) {
        let mut router = matchit::Router::new();
        for (shape, &index) in &self.by_shape {
            // These shapes coexisted in the tree before.
            let _ = router.insert(shape.as_str(), index);
        }
        self.router = router;
    }
}

impl<T> Default for Layer<T> {
    fn default() -> Self {
        Layer {
            router: matchit::Router::new(),
            shapes: Vec::new(),
            by_shape: HashMap::new(),
        }
    }
}

/// Routes by method and path pattern, each carrying a `T` (e.g. the
/// script it is bound to).
///
/// matchit cannot hold a `{param}` and a `{*wildcard}` at the same position,
/// so wildcard routes live in a second layer that is consulted only when no
/// route of the first matches: static segments win over parameters, and
/// parameters over a wildcard.
#[derive(Debug, Clone)]
pub struct RouteTable<T> {
    layers: [Layer<T>; 2],
}

impl<T> Default for RouteTable<T> {
    fn default() -> Self {
        RouteTable {
            layers: [Layer::default(), Layer::default()],
        }
    }
}

fn methods_overlap(a: &str, b: &str) -> bool {
    a == b || a == "*" || b == "*"
}

impl<T> RouteTable<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.layers
            .iter()
            .flat_map(|l| &l.shapes)
            .map(Vec::len)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn layer_of(pattern: &PathPattern) -> usize {
        usize::from(pattern.shape.contains("{*"))
    }

    /// Whether `method path` could be added, and if not, why. The route it
    /// would collide with is in [`RouteError::Conflict`].
    pub fn check(&self, method: &str, path: &str) -> Result<(String, PathPattern), RouteError> {
        let (method, pattern, shape) = self.validate(method, path)?;
        if shape.is_none() {
            // A new shape: let matchit judge whether it can coexist with
            // the others of its layer, on a copy (matchit may change the
            // tree before it finds a conflict).
            let layer = &self.layers[Self::layer_of(&pattern)];
            let mut probe = layer.router.clone();
            probe
                .insert(&pattern.shape, 0)
                .map_err(|e| Self::insert_error(layer, e, &method, path))?;
        }
        Ok((method, pattern))
    }

    /// Parses and checks what needs no trial insert: method, syntax,
    /// reserved prefixes, and methods against routes of the same shape.
    /// Also returns the index of that shape, if it exists.
    fn validate(
        &self,
        method: &str,
        path: &str,
    ) -> Result<(String, PathPattern, Option<usize>), RouteError> {
        let method = parse_method(method)?;
        let pattern = PathPattern::parse(path)?;
        let layer = &self.layers[Self::layer_of(&pattern)];
        let shape = layer.by_shape.get(&pattern.shape).copied();
        if let Some(index) = shape
            && let Some(existing) = layer.shapes[index]
                .iter()
                .find(|e| methods_overlap(&e.key.method, &method))
        {
            return Err(RouteError::Conflict {
                method,
                path: path.to_string(),
                existing: existing.key.clone(),
            });
        }
        Ok((method, pattern, shape))
    }

    fn insert_error(
        layer: &Layer<T>,
        error: matchit::InsertError,
        method: &str,
        path: &str,
    ) -> RouteError {
        match error {
            matchit::InsertError::Conflict { with } => RouteError::Conflict {
                method: method.to_string(),
                path: path.to_string(),
                existing: layer
                    .by_shape
                    .get(&with)
                    .and_then(|&i| layer.shapes[i].first())
                    .map(|e| e.key.clone())
                    .unwrap_or(RouteKey {
                        method: "*".into(),
                        path: with,
                    }),
            },
            other => RouteError::Path {
                path: path.to_string(),
                reason: other.to_string(),
            },
        }
    }

    /// Adds a route, or explains why it cannot be added. Unlike
    /// [`RouteTable::check`] it inserts without a trial copy, so loading
    /// n routes costs O(n log n), not O(n²); only a refused insert pays
    /// for rebuilding the tree it may have touched.
    pub fn insert(&mut self, method: &str, path: &str, value: T) -> Result<(), RouteError> {
        let (method, pattern, shape) = self.validate(method, path)?;
        let layer = &mut self.layers[Self::layer_of(&pattern)];
        let index = match shape {
            Some(index) => index,
            None => {
                let index = layer.shapes.len();
                if let Err(e) = layer.router.insert(&pattern.shape, index) {
                    let error = Self::insert_error(layer, e, &method, path);
                    // matchit may have changed the tree before it found the
                    // conflict: rebuild it from the shapes it holds.
                    layer.rebuild_router();
                    return Err(error);
                }
                layer.shapes.push(Vec::new());
                layer.by_shape.insert(pattern.shape.clone(), index);
                index
            }
        };
        layer.shapes[index].push(Entry {
            key: RouteKey {
                method,
                path: pattern.path,
            },
            params: pattern.params,
            value,
        });
        Ok(())
    }

    /// Finds the route for `method path`: the first layer whose route
    /// matches both path and method.
    pub fn at(&self, method: &str, path: &str) -> Result<RouteMatch<'_, T>, MatchError> {
        let method = method.to_ascii_uppercase();
        let mut allowed: Vec<String> = Vec::new();
        for layer in &self.layers {
            let Ok(matched) = layer.router.at(path) else {
                continue;
            };
            let entries = &layer.shapes[*matched.value];
            let entry = entries
                .iter()
                .find(|e| e.key.method == method)
                .or_else(|| entries.iter().find(|e| e.key.method == "*"));
            let Some(entry) = entry else {
                allowed.extend(entries.iter().map(|e| e.key.method.clone()));
                continue;
            };
            // matchit's params are named p0, p1, … in pattern order.
            let params = matched
                .params
                .iter()
                .zip(&entry.params)
                .map(|((_, value), name)| (name.clone(), value.to_string()))
                .collect();
            return Ok(RouteMatch {
                route: &entry.key,
                value: &entry.value,
                params,
            });
        }
        if allowed.is_empty() {
            Err(MatchError::NotFound)
        } else {
            allowed.sort();
            allowed.dedup();
            Err(MatchError::MethodNotAllowed { allowed })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(routes: &[(&str, &str)]) -> RouteTable<usize> {
        let mut table = RouteTable::new();
        for (i, (method, path)) in routes.iter().enumerate() {
            table.insert(method, path, i).unwrap();
        }
        table
    }

    #[test]
    fn static_beats_param_beats_wildcard() {
        let t = table(&[
            ("GET", "/users/me"),
            ("GET", "/users/{id}"),
            ("GET", "/users/{*rest}"),
        ]);
        assert_eq!(*t.at("GET", "/users/me").unwrap().value, 0);
        let m = t.at("GET", "/users/42").unwrap();
        assert_eq!(*m.value, 1);
        assert_eq!(m.params, vec![("id".to_string(), "42".to_string())]);
        let m = t.at("GET", "/users/42/files/a.txt").unwrap();
        assert_eq!(*m.value, 2);
        assert_eq!(
            m.params,
            vec![("rest".to_string(), "42/files/a.txt".to_string())]
        );
    }

    #[test]
    fn methods_share_a_path_and_any_is_a_fallback_only_without_overlap() {
        let t = table(&[("GET", "/items/{id}"), ("POST", "/items/{item}")]);
        let m = t.at("POST", "/items/7").unwrap();
        assert_eq!(m.params, vec![("item".to_string(), "7".to_string())]);
        assert_eq!(m.route.method, "POST");
        assert_eq!(
            t.at("DELETE", "/items/7"),
            Err(MatchError::MethodNotAllowed {
                allowed: vec!["GET".into(), "POST".into()]
            })
        );
        assert_eq!(t.at("GET", "/nothing"), Err(MatchError::NotFound));

        let any = table(&[("*", "/hook")]);
        assert_eq!(any.at("PATCH", "/hook").unwrap().route.method, "*");
    }

    #[test]
    fn a_method_mismatch_falls_through_to_a_wildcard_route() {
        let t = table(&[("GET", "/files/{id}"), ("POST", "/files/{*rest}")]);
        assert_eq!(
            t.at("POST", "/files/7").unwrap().route.path,
            "/files/{*rest}"
        );
        assert_eq!(t.at("GET", "/files/7").unwrap().route.path, "/files/{id}");
        assert_eq!(
            t.at("PUT", "/files/7"),
            Err(MatchError::MethodNotAllowed {
                allowed: vec!["GET".into(), "POST".into()]
            })
        );
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn conflicts_name_the_existing_route() {
        let t = table(&[("GET", "/users/{id}"), ("*", "/hook")]);
        let conflict = |method: &str, path: &str| match t.check(method, path) {
            Err(RouteError::Conflict { existing, .. }) => existing,
            other => panic!("{method} {path}: expected a conflict, got {other:?}"),
        };
        let users = RouteKey {
            method: "GET".into(),
            path: "/users/{id}".into(),
        };
        assert_eq!(conflict("get", "/users/{name}"), users);
        assert_eq!(conflict("*", "/users/{x}"), users);
        assert_eq!(conflict("POST", "/hook").path, "/hook");
        assert!(t.check("POST", "/users/{id}").is_ok());
        assert!(t.check("GET", "/users/{id}/posts").is_ok());
    }

    #[test]
    fn bad_and_reserved_paths_are_rejected() {
        let t = RouteTable::<()>::new();
        for path in [
            "/api/x",
            "/api",
            "/admin",
            "/admin/users",
            "/healthz",
            "/version",
            "/version/2",
            "/metrics",
        ] {
            assert!(
                matches!(t.check("GET", path), Err(RouteError::Reserved { .. })),
                "{path}"
            );
        }
        for path in [
            "nope",
            "/a//b",
            "/a/{1x}",
            "/a/{*rest}/b",
            "/a/x{id}",
            "/a/{id}/{id}",
            "/a?b",
            "/a b",
        ] {
            assert!(
                matches!(t.check("GET", path), Err(RouteError::Path { .. })),
                "{path}"
            );
        }
        assert!(matches!(t.check("FETCH", "/a"), Err(RouteError::Method(_))));
        // Not reserved: only the exact prefixes are.
        assert!(t.check("GET", "/apis").is_ok());
        assert!(t.check("GET", "/versions").is_ok());
    }
}
