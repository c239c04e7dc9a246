//! The invocation log: one row per invocation with its log lines, bounded
//! per script by count, bytes and age.

use picloud_shared::{InvocationRecord, LogLevel, LogLine, ScriptError};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, now_ms};

/// How much of the log each script keeps. `0` means no bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub max_invocations: u64,
    pub max_bytes: u64,
    pub max_age_ms: u64,
}

/// Columns of an invocation row, and rows per `INSERT`. Small on purpose:
/// binding `$n` parameters in SQLite looks each name up in a list, so a
/// statement's cost grows with the square of its parameters (a profile
/// showed `sqlite3_bind_parameter_name` at 23% of the server's CPU with
/// 128 rows per statement).
const COLUMNS: usize = 15;
const INSERT_CHUNK: usize = 8;

impl Default for Retention {
    fn default() -> Self {
        Retention {
            max_invocations: 1_000,
            max_bytes: 8 << 20,
            max_age_ms: 7 * 24 * 3600 * 1000,
        }
    }
}

/// Which invocations to list: newest first, before `cursor`.
#[derive(Debug, Clone, Default)]
pub struct InvocationFilter {
    /// Only invocations that started at or after this (Unix ms).
    pub since: Option<i64>,
    /// Only invocations that logged at this level or above.
    pub level: Option<LogLevel>,
    /// `ok`, `error`, or an HTTP status code.
    pub status: Option<String>,
    /// Continue after this `seq` (from the previous page's `next_cursor`).
    pub cursor: Option<i64>,
    pub limit: u32,
}

/// A stored invocation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredInvocation {
    pub seq: i64,
    #[serde(flatten)]
    pub record: InvocationRecord,
}

const LEVELS: [LogLevel; 4] = [
    LogLevel::Debug,
    LogLevel::Info,
    LogLevel::Warn,
    LogLevel::Error,
];

fn stored(row: &AnyRow) -> Result<StoredInvocation, StoreError> {
    let json = |column: &str| -> Result<String, StoreError> { Ok(row.try_get(column)?) };
    let error: Option<String> = row.try_get("error")?;
    let bad = |e: serde_json::Error| {
        StoreError::Config(format!("stored invocation is not valid JSON: {e}"))
    };
    Ok(StoredInvocation {
        seq: row.try_get("seq")?,
        record: InvocationRecord {
            id: row.try_get("id")?,
            script_id: row.try_get("script_id")?,
            version: row.try_get::<i64, _>("version")? as u32,
            started_at: row.try_get("started_at")?,
            method: row.try_get("method")?,
            path: row.try_get("path")?,
            status: row.try_get::<i64, _>("status")? as u16,
            error: error
                .map(|e| serde_json::from_str::<ScriptError>(&e))
                .transpose()
                .map_err(bad)?,
            duration_us: row.try_get::<i64, _>("duration_us")? as u64,
            logs: serde_json::from_str::<Vec<LogLine>>(&json("logs")?).map_err(bad)?,
        },
    })
}

impl Store {
    /// Writes a batch of invocation records in one transaction and applies
    /// retention to the scripts they belong to. Records of scripts that no
    /// longer exist are dropped.
    pub async fn record_invocations(
        &self,
        records: &[InvocationRecord],
        retention: &Retention,
    ) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        // Records of scripts deleted meanwhile are dropped: find the live
        // ones with one query rather than a check per row.
        let mut scripts: Vec<&str> = Vec::new();
        for record in records {
            if !scripts.contains(&record.script_id.as_str()) {
                scripts.push(&record.script_id);
            }
        }
        let placeholders = (1..=scripts.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT id FROM scripts WHERE id IN ({placeholders})");
        let mut live = sqlx::query(&sql);
        for script in &scripts {
            live = live.bind(*script);
        }
        let live: Vec<String> = live
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?;
        let records: Vec<&InvocationRecord> = records
            .iter()
            .filter(|r| live.contains(&r.script_id))
            .collect();
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM invocations")
            .fetch_one(&mut *tx)
            .await?;
        let mut seq: i64 = row.try_get("seq")?;
        // Many rows per statement: one round trip to the database for a
        // whole chunk instead of one per invocation.
        for chunk in records.chunks(INSERT_CHUNK) {
            let mut sql = String::from(
                "INSERT INTO invocations (seq, id, script_id, version, started_at, method, path, status, outcome, \
                 error, limit_hit, duration_us, logs, max_level, bytes) VALUES ",
            );
            for i in 0..chunk.len() {
                let n = i * COLUMNS;
                let row: Vec<String> = (1..=COLUMNS).map(|c| format!("${}", n + c)).collect();
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                sql.push_str(&row.join(", "));
                sql.push(')');
            }
            sql.push_str(" ON CONFLICT (id) DO NOTHING");
            let mut query = sqlx::query(&sql);
            for record in chunk {
                seq += 1;
                let logs = serde_json::to_string(&record.logs).expect("log lines serialize");
                let error = record
                    .error
                    .as_ref()
                    .map(|e| serde_json::to_string(e).expect("errors serialize"));
                let max_level = record
                    .logs
                    .iter()
                    .map(|l| l.level)
                    .max()
                    .map(|l| l.as_str());
                let bytes =
                    (logs.len() + record.path.len() + error.as_ref().map_or(0, String::len)) as i64;
                query = query
                    .bind(seq)
                    .bind(record.id.clone())
                    .bind(record.script_id.clone())
                    .bind(i64::from(record.version))
                    .bind(record.started_at)
                    .bind(record.method.clone())
                    .bind(record.path.clone())
                    .bind(i64::from(record.status))
                    .bind(if record.error.is_some() {
                        "error"
                    } else {
                        "ok"
                    })
                    .bind(error)
                    .bind(
                        record
                            .error
                            .as_ref()
                            .and_then(|e| e.limit())
                            .map(|l| l.setting()),
                    )
                    .bind(record.duration_us as i64)
                    .bind(logs)
                    .bind(max_level)
                    .bind(bytes);
            }
            query.execute(&mut *tx).await?;
        }
        for script in live.iter() {
            apply_retention(&mut tx, script, retention).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A page of a script's invocations (every script's with `None`),
    /// newest first.
    pub async fn invocations(
        &self,
        script_id: Option<&str>,
        filter: &InvocationFilter,
    ) -> Result<Vec<StoredInvocation>, StoreError> {
        if let Some(id) = script_id {
            self.script(id).await?;
        }
        let levels: Vec<&str> = match filter.level {
            Some(min) => LEVELS
                .iter()
                .filter(|l| **l >= min)
                .map(|l| l.as_str())
                .collect(),
            None => Vec::new(),
        };
        let (outcome, status) = match filter.status.as_deref() {
            Some("ok") => (Some("ok"), None),
            Some("error") => (Some("error"), None),
            Some(code) => (None, code.parse::<i64>().ok()),
            None => (None, None),
        };
        let rows = sqlx::query(
            "SELECT seq, id, script_id, version, started_at, method, path, status, error, duration_us, logs \
             FROM invocations WHERE ($1 IS NULL OR script_id = $1) \
             AND ($2 IS NULL OR started_at >= $2) \
             AND ($3 IS NULL OR seq < $3) \
             AND ($4 IS NULL OR outcome = $4) \
             AND ($5 IS NULL OR status = $5) \
             AND ($6 = 0 OR max_level = $7 OR max_level = $8 OR max_level = $9 OR max_level = $10) \
             ORDER BY seq DESC LIMIT $11",
        )
        .bind(script_id)
        .bind(filter.since)
        .bind(filter.cursor)
        .bind(outcome)
        .bind(status)
        .bind(levels.len() as i64)
        .bind(levels.first().copied().unwrap_or(""))
        .bind(levels.get(1).copied().unwrap_or(""))
        .bind(levels.get(2).copied().unwrap_or(""))
        .bind(levels.get(3).copied().unwrap_or(""))
        .bind(i64::from(filter.limit.clamp(1, 500)))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored).collect()
    }

    /// Per script, over the retained log: invocations, failures (5xx) and
    /// the last start time.
    pub async fn invocation_stats(&self) -> Result<Vec<ScriptStats>, StoreError> {
        let rows = sqlx::query(
            "SELECT script_id, COUNT(*) AS total, \
             SUM(CASE WHEN status >= 500 THEN 1 ELSE 0 END) AS errors, \
             MAX(started_at) AS last_at \
             FROM invocations GROUP BY script_id ORDER BY script_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ScriptStats {
                    script_id: row.try_get("script_id")?,
                    invocations: row.try_get::<i64, _>("total")? as u64,
                    errors: row.try_get::<i64, _>("errors")? as u64,
                    last_invocation_at: row.try_get("last_at")?,
                })
            })
            .collect()
    }
}

/// A script's invocation counts over its retained log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScriptStats {
    pub script_id: String,
    pub invocations: u64,
    /// Invocations answered with a 5xx.
    pub errors: u64,
    /// Unix milliseconds.
    pub last_invocation_at: i64,
}

async fn apply_retention(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    script: &str,
    retention: &Retention,
) -> Result<(), StoreError> {
    if retention.max_age_ms != 0 {
        sqlx::query("DELETE FROM invocations WHERE script_id = $1 AND started_at < $2")
            .bind(script)
            .bind(now_ms() - retention.max_age_ms as i64)
            .execute(&mut **tx)
            .await?;
    }
    if retention.max_invocations == 0 && retention.max_bytes == 0 {
        return Ok(());
    }
    // The newest row to delete: past the count budget, or where the
    // running total of bytes (newest first) goes over the byte budget.
    // Both computed by the database over the (script_id, seq) index.
    let mut cutoff: Option<i64> = None;
    if retention.max_invocations != 0 {
        let row = sqlx::query(
            "SELECT seq FROM invocations WHERE script_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2",
        )
        .bind(script)
        .bind(retention.max_invocations as i64)
        .fetch_optional(&mut **tx)
        .await?;
        cutoff = row.map(|r| r.try_get("seq")).transpose()?;
    }
    if retention.max_bytes != 0 {
        let row = sqlx::query(
            "SELECT MAX(seq) AS seq FROM (SELECT seq, SUM(bytes) OVER (ORDER BY seq DESC) AS total \
             FROM invocations WHERE script_id = $1) AS running WHERE total > $2",
        )
        .bind(script)
        .bind(retention.max_bytes as i64)
        .fetch_one(&mut **tx)
        .await?;
        let by_bytes: Option<i64> = row.try_get("seq")?;
        cutoff = cutoff.max(by_bytes);
    }
    if let Some(seq) = cutoff {
        sqlx::query("DELETE FROM invocations WHERE script_id = $1 AND seq <= $2")
            .bind(script)
            .bind(seq)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
