//! The `request` and `ctx` values a script sees.

use rhai::{Dynamic, Map};

use crate::bindings::picloud::executor::types::{Request, ScriptContext};

fn pairs_to_map(pairs: Vec<(String, String)>, join: Option<&str>) -> Map {
    let mut map = Map::new();
    for (key, value) in pairs {
        match (map.get_mut(key.as_str()), join) {
            // Repeated headers are joined as HTTP allows; other repeats keep
            // the last value.
            (Some(existing), Some(sep)) => {
                let joined = format!("{existing}{sep}{value}");
                *existing = joined.into();
            }
            _ => {
                map.insert(key.into(), value.into());
            }
        }
    }
    map
}

/// `request`: method, path, params, query, headers, body and, when the body
/// is JSON, `json`.
pub fn to_map(req: Request) -> Map {
    let json = parse_json(&req.body);
    let mut map = Map::new();
    map.insert("method".into(), req.method.into());
    map.insert("path".into(), req.path.into());
    map.insert("params".into(), pairs_to_map(req.params, None).into());
    map.insert("query".into(), pairs_to_map(req.query, None).into());
    map.insert(
        "headers".into(),
        pairs_to_map(req.headers, Some(", ")).into(),
    );
    map.insert(
        "body".into(),
        String::from_utf8_lossy(&req.body).into_owned().into(),
    );
    map.insert("json".into(), json);
    map
}

fn parse_json(body: &[u8]) -> Dynamic {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Dynamic::UNIT;
    }
    serde_json::from_slice::<Dynamic>(body).unwrap_or(Dynamic::UNIT)
}

/// `ctx`: which script is running, and for which request.
pub fn context_map(ctx: ScriptContext) -> Map {
    let mut map = Map::new();
    map.insert("script_id".into(), ctx.script_id.into());
    map.insert("script_name".into(), ctx.script_name.into());
    map.insert("version".into(), (ctx.version as rhai::INT).into());
    map.insert("request_id".into(), ctx.request_id.into());
    map
}
