//! What each client subcommand does.

use std::process::ExitCode;

use anyhow::{Context, bail};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use super::http::{Client, ServerError, is_not_found};
use super::{ClientCommand, Remote, RoutesCommand, ScriptsCommand, table};

/// Runs a client subcommand. Exit codes: 0 done, 1 the server refused or
/// could not be reached (its message printed), 2 bad arguments.
pub async fn run(remote: Remote, command: ClientCommand) -> anyhow::Result<ExitCode> {
    match execute(remote, command).await {
        Ok(code) => Ok(code),
        Err(err)
            if err.downcast_ref::<ServerError>().is_some()
                || err.downcast_ref::<reqwest::Error>().is_some() =>
        {
            eprintln!("error: {err:#}");
            Ok(ExitCode::FAILURE)
        }
        Err(err) => Err(err),
    }
}

async fn execute(remote: Remote, command: ClientCommand) -> anyhow::Result<ExitCode> {
    let client = Client::new(&remote)?;
    let json_out = remote.json;
    match command {
        ClientCommand::Deploy { file, name, routes } => {
            deploy(&client, json_out, &file, name, &routes).await?
        }
        ClientCommand::Scripts(ScriptsCommand::Ls) => scripts_ls(&client, json_out).await?,
        ClientCommand::Scripts(ScriptsCommand::Show { script }) => {
            scripts_show(&client, json_out, &script).await?
        }
        ClientCommand::Scripts(ScriptsCommand::Rm { script }) => {
            let script = resolve(&client, &script).await?;
            client
                .send(client.admin(Method::DELETE, &format!("/scripts/{}", script.id)))
                .await?;
            println!("Deleted {}", script.name);
        }
        ClientCommand::Routes(RoutesCommand::Ls { script }) => {
            routes_ls(&client, json_out, script.as_deref()).await?
        }
        ClientCommand::Routes(RoutesCommand::Rm { route }) => routes_rm(&client, &route).await?,
        ClientCommand::Logs {
            script,
            follow,
            limit,
        } => logs(&client, json_out, &script, follow, limit).await?,
        ClientCommand::Invoke {
            target,
            method,
            data,
            headers,
            include,
        } => return invoke(&client, &target, &method, data, &headers, include).await,
        ClientCommand::Versions { script } => versions(&client, json_out, &script).await?,
        ClientCommand::Rollback { script, version } => {
            let script = resolve(&client, &script).await?;
            let path = format!("/scripts/{}/versions/{version}/activate", script.id);
            let answer = client.send(client.admin(Method::POST, &path)).await?;
            if json_out {
                print_json(&answer);
            } else {
                println!("{}: version {version} is active", script.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A script's id and name, from either.
struct ScriptId {
    id: String,
    name: String,
}

async fn resolve(client: &Client, key: &str) -> anyhow::Result<ScriptId> {
    let detail = client.get(&format!("/scripts/{}", encode(key))).await?;
    Ok(ScriptId {
        id: text(&detail["id"]),
        name: text(&detail["name"]),
    })
}

/// Percent-encodes a path or query segment.
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

async fn deploy(
    client: &Client,
    json_out: bool,
    file: &std::path::Path,
    name: Option<String>,
    routes: &[String],
) -> anyhow::Result<()> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let name = match name {
        Some(name) => name,
        None => file
            .file_stem()
            .and_then(|s| s.to_str())
            .context("cannot take a script name from the file name; pass --name")?
            .to_owned(),
    };
    let specs = routes
        .iter()
        .map(|r| parse_route(r))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let script = match client.get(&format!("/scripts/{}", encode(&name))).await {
        Ok(existing) => {
            let id = text(&existing["id"]);
            let update = client.admin(Method::PUT, &format!("/scripts/{id}"));
            client
                .send(update.json(&json!({ "source": source })))
                .await?
        }
        Err(err) if is_not_found(&err) => {
            let create = client.admin(Method::POST, "/scripts");
            client
                .send(create.json(&json!({ "name": name, "source": source })))
                .await?
        }
        Err(err) => return Err(err),
    };
    let id = text(&script["id"]);
    let bound = client.get(&format!("/scripts/{id}/routes")).await?;
    let bound = bound.as_array().cloned().unwrap_or_default();
    for (method, path) in &specs {
        let exists = bound
            .iter()
            .any(|r| r["method"] == method.as_str() && r["path"] == path.as_str());
        if !exists {
            let create = client.admin(Method::POST, &format!("/scripts/{id}/routes"));
            client
                .send(create.json(&json!({ "method": method, "path": path })))
                .await?;
        }
    }
    let routes = client.get(&format!("/scripts/{id}/routes")).await?;
    if json_out {
        print_json(&json!({ "script": script, "routes": routes }));
        return Ok(());
    }
    let base = public_base_url(client).await;
    println!(
        "Deployed {} version {} ({id})",
        script["name"].as_str().unwrap_or(&name),
        script["version"]
    );
    for route in routes.as_array().into_iter().flatten() {
        println!(
            "  {:<6} {base}{}",
            text(&route["method"]),
            text(&route["path"])
        );
    }
    println!("  {:<6} {base}/api/v1/execute/{id}", "*");
    Ok(())
}

fn parse_route(spec: &str) -> anyhow::Result<(String, String)> {
    match spec.split_whitespace().collect::<Vec<_>>()[..] {
        [method, path] => Ok((method.to_ascii_uppercase(), path.to_owned())),
        [path] if path.starts_with('/') => Ok(("GET".into(), path.to_owned())),
        _ => bail!("route `{spec}` must look like \"GET /path\""),
    }
}

async fn public_base_url(client: &Client) -> String {
    let version = client
        .send(client.raw(Method::GET, "/version"))
        .await
        .unwrap_or(Value::Null);
    version["public_base_url"]
        .as_str()
        .unwrap_or(client.base())
        .trim_end_matches('/')
        .to_owned()
}

async fn scripts_ls(client: &Client, json_out: bool) -> anyhow::Result<()> {
    let scripts = client.get("/scripts").await?;
    if json_out {
        print_json(&scripts);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = scripts
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            vec![
                text(&s["name"]),
                format!("{}/{}", s["version"], s["latest_version"]),
                text(&s["updated_at"]),
                text(&s["id"]),
            ]
        })
        .collect();
    if rows.is_empty() {
        println!("No scripts yet. Deploy one: picloud deploy hello.rhai --route \"GET /hello\"");
    } else {
        table::print(&["NAME", "VERSION", "UPDATED", "ID"], &rows);
    }
    Ok(())
}

async fn scripts_show(client: &Client, json_out: bool, key: &str) -> anyhow::Result<()> {
    let mut script = client.get(&format!("/scripts/{}", encode(key))).await?;
    let source = script
        .as_object_mut()
        .and_then(|s| s.remove("source"))
        .unwrap_or(Value::Null);
    let routes = client
        .get(&format!("/scripts/{}/routes", text(&script["id"])))
        .await?;
    let script = &script;
    if json_out {
        print_json(&json!({ "script": script, "source": source, "routes": routes }));
        return Ok(());
    }
    println!("name:        {}", text(&script["name"]));
    println!("id:          {}", text(&script["id"]));
    if !text(&script["description"]).is_empty() {
        println!("description: {}", text(&script["description"]));
    }
    println!(
        "version:     {} (latest {})",
        script["version"], script["latest_version"]
    );
    println!("updated:     {}", text(&script["updated_at"]));
    println!("routes:");
    for route in routes.as_array().into_iter().flatten() {
        println!("  {:<6} {}", text(&route["method"]), text(&route["path"]));
    }
    println!("source:");
    for line in text(&source).lines() {
        println!("  {line}");
    }
    Ok(())
}

async fn routes_ls(client: &Client, json_out: bool, script: Option<&str>) -> anyhow::Result<()> {
    let routes = match script {
        Some(key) => {
            let script = resolve(client, key).await?;
            client
                .get(&format!("/scripts/{}/routes", script.id))
                .await?
        }
        None => client.get("/routes").await?,
    };
    if json_out {
        print_json(&routes);
        return Ok(());
    }
    let scripts = client.get("/scripts").await?;
    let name_of = |id: &str| {
        scripts
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["id"] == id)
            .map(|s| text(&s["name"]))
            .unwrap_or_else(|| id.to_owned())
    };
    let rows: Vec<Vec<String>> = routes
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            vec![
                text(&r["method"]),
                text(&r["path"]),
                name_of(&text(&r["script_id"])),
                text(&r["id"]),
            ]
        })
        .collect();
    table::print(&["METHOD", "PATH", "SCRIPT", "ID"], &rows);
    Ok(())
}

async fn routes_rm(client: &Client, route: &str) -> anyhow::Result<()> {
    let id = if route.contains(' ') {
        let (method, path) = parse_route(route)?;
        let routes = client.get("/routes").await?;
        routes
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["method"] == method.as_str() && r["path"] == path.as_str())
            .map(|r| text(&r["id"]))
            .with_context(|| format!("no route {method} {path}"))?
    } else {
        route.to_owned()
    };
    client
        .send(client.admin(Method::DELETE, &format!("/routes/{}", encode(&id))))
        .await?;
    println!("Deleted route {route}");
    Ok(())
}

async fn versions(client: &Client, json_out: bool, key: &str) -> anyhow::Result<()> {
    let script = resolve(client, key).await?;
    let versions = client
        .get(&format!("/scripts/{}/versions", script.id))
        .await?;
    if json_out {
        print_json(&versions);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = versions
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            vec![
                v["version"].to_string(),
                text(&v["created_at"]),
                if v["active"] == true { "active" } else { "" }.to_owned(),
            ]
        })
        .collect();
    table::print(&["VERSION", "CREATED", ""], &rows);
    Ok(())
}

async fn logs(
    client: &Client,
    json_out: bool,
    key: &str,
    follow: bool,
    limit: u32,
) -> anyhow::Result<()> {
    let script = resolve(client, key).await?;
    let page = client
        .get(&format!("/scripts/{}/logs?limit={limit}", script.id))
        .await?;
    let mut invocations = page["invocations"].as_array().cloned().unwrap_or_default();
    // The API lists newest first; a terminal reads oldest first.
    invocations.reverse();
    for invocation in &invocations {
        print_invocation(invocation, json_out);
    }
    if !follow {
        return Ok(());
    }
    let stream = client.admin(
        Method::GET,
        &format!("/logs/stream?script={}", encode(&script.id)),
    );
    let response = stream.send().await.context("opening the live tail")?;
    if !response.status().is_success() {
        bail!("the live tail was refused: {}", response.status());
    }
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    while let Some(chunk) = body.next().await {
        buffer.push_str(&String::from_utf8_lossy(
            &chunk.context("reading the live tail")?,
        ));
        // Server-Sent Events end with a blank line.
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let data: String = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if event.lines().any(|l| l == "event: invocation")
                && let Ok(invocation) = serde_json::from_str::<Value>(&data)
            {
                print_invocation(&invocation, json_out);
            } else if event.lines().any(|l| l == "event: lagged") {
                eprintln!("({data} invocations missed: the terminal read too slowly)");
            }
        }
    }
    Ok(())
}

fn print_invocation(invocation: &Value, json_out: bool) {
    if json_out {
        println!("{invocation}");
        return;
    }
    let started = invocation["started_at"].as_i64().unwrap_or(0);
    println!(
        "{} {} {} {} v{} {:.1}ms  {}",
        format_millis(started),
        invocation["status"],
        text(&invocation["method"]),
        text(&invocation["path"]),
        invocation["version"],
        invocation["duration_us"].as_f64().unwrap_or(0.0) / 1000.0,
        text(&invocation["id"]),
    );
    for line in invocation["logs"].as_array().into_iter().flatten() {
        println!("    [{}] {}", text(&line["level"]), text(&line["message"]));
    }
    if let Some(error) = invocation["error"].as_object() {
        let mut message = error
            .get("message")
            .map(text)
            .unwrap_or_else(|| Value::Object(error.clone()).to_string());
        if let Some(limit) = error.get("limit") {
            message = format!("limit {} ({}): {message}", text(limit), error["value"]);
        }
        if let Some(pos) = error.get("position").filter(|p| p.is_object()) {
            message.push_str(&format!(
                " at line {}, column {}",
                pos["line"], pos["column"]
            ));
        }
        println!("    error: {message}");
    }
}

/// `YYYY-MM-DD HH:MM:SS.mmm` UTC from Unix milliseconds.
fn format_millis(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis.rem_euclid(1000)
    )
}

async fn invoke(
    client: &Client,
    target: &str,
    method: &str,
    data: Option<String>,
    headers: &[String],
    include: bool,
) -> anyhow::Result<ExitCode> {
    let path = if target.starts_with('/') {
        target.to_owned()
    } else {
        format!("/api/v1/execute/{}", resolve(client, target).await?.id)
    };
    let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .with_context(|| format!("`{method}` is not an HTTP method"))?;
    let mut request = client.raw(method, &path);
    for header in headers {
        let (name, value) = header
            .split_once(':')
            .with_context(|| format!("header `{header}` must look like NAME: VALUE"))?;
        request = request.header(name.trim(), value.trim());
    }
    if let Some(data) = data {
        request = request.body(data);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("cannot reach the PiCloud server at {}", client.base()))?;
    let status = response.status();
    if include {
        println!("HTTP {status}");
        for (name, value) in response.headers() {
            println!("{name}: {}", String::from_utf8_lossy(value.as_bytes()));
        }
        println!();
    }
    let body = response.bytes().await?;
    use std::io::Write;
    let mut stdout = std::io::stdout();
    stdout.write_all(&body)?;
    if !body.ends_with(b"\n") && !body.is_empty() {
        writeln!(stdout)?;
    }
    if status.is_success() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: the server answered {status}");
        Ok(ExitCode::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse_as_method_and_path() {
        assert_eq!(
            parse_route("get /hello").unwrap(),
            ("GET".into(), "/hello".into())
        );
        assert_eq!(parse_route("/x").unwrap(), ("GET".into(), "/x".into()));
        assert!(parse_route("GET").is_err());
        assert!(parse_route("GET /a /b").is_err());
    }

    #[test]
    fn millis_format_as_utc() {
        assert_eq!(format_millis(0), "1970-01-01 00:00:00.000");
        assert_eq!(format_millis(1_796_342_400_123), "2026-12-04 00:00:00.123");
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
        assert_eq!(encode("hello-1.x_~"), "hello-1.x_~");
    }
}
