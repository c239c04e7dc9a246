//! Turning Rhai's errors into the contract's typed [`ScriptError`].

use rhai::{EvalAltResult, ParseError, ParseErrorType, Position};

use crate::bindings::picloud::executor::types::{
    ErrorDetail, LimitDetail, Position as WitPosition, RhaiLimit, RhaiLimits, ScriptError,
};

pub fn to_position(pos: Position) -> Option<WitPosition> {
    Some(WitPosition {
        line: pos.line()? as u32,
        column: pos.position().unwrap_or(0) as u32,
    })
}

fn limit(limit: RhaiLimit, limits: &RhaiLimits, message: String, pos: Position) -> ScriptError {
    let value = match limit {
        RhaiLimit::Operations => limits.max_operations,
        RhaiLimit::CallLevels => limits.max_call_levels.into(),
        RhaiLimit::ExprDepth => limits.max_expr_depth.into(),
        RhaiLimit::StringSize => limits.max_string_size.into(),
        RhaiLimit::ArraySize => limits.max_array_size.into(),
        RhaiLimit::MapSize => limits.max_map_size.into(),
        RhaiLimit::Variables => limits.max_variables.into(),
        RhaiLimit::Functions => limits.max_functions.into(),
        RhaiLimit::Modules => limits.max_modules.into(),
        RhaiLimit::ResponseSize => limits.max_response_bytes,
    };
    ScriptError::Limit(LimitDetail {
        limit,
        value,
        message,
        position: to_position(pos),
    })
}

/// A compile error, or the compile-time limit (expression depth, function
/// count, literal size) that stopped the parser.
pub fn from_parse(err: ParseError, limits: &RhaiLimits) -> ScriptError {
    let ParseError(kind, pos) = err;
    let message = kind.to_string();
    match *kind {
        ParseErrorType::ExprTooDeep => limit(RhaiLimit::ExprDepth, limits, message, pos),
        ParseErrorType::TooManyFunctions => limit(RhaiLimit::Functions, limits, message, pos),
        ParseErrorType::LiteralTooLarge(..) => limit(RhaiLimit::StringSize, limits, message, pos),
        _ => ScriptError::Compile(ErrorDetail {
            message,
            position: to_position(pos),
        }),
    }
}

/// Unwraps a chain of function calls down to the innermost error: that is
/// where the script really failed, and where a limit really fired. Returns
/// the names of the functions it was called through, outermost first.
fn innermost(mut err: EvalAltResult) -> (EvalAltResult, Vec<String>) {
    let mut calls = Vec::new();
    loop {
        err = match err {
            EvalAltResult::ErrorInFunctionCall(name, _, inner, _) => {
                calls.push(name);
                *inner
            }
            EvalAltResult::ErrorInModule(name, inner, _) => {
                calls.push(format!("module {name}"));
                *inner
            }
            other => return (other, calls),
        }
    }
}

pub fn from_eval(err: EvalAltResult, limits: &RhaiLimits) -> ScriptError {
    let (mut inner, calls) = innermost(err);
    let pos = inner.take_position();
    let mut message = inner.to_string();
    for name in calls.iter().rev() {
        message.push_str(&format!(" (in call to '{name}')"));
    }
    let limit_of = |kind| limit(kind, limits, message.clone(), pos);
    match inner {
        EvalAltResult::ErrorParsing(kind, _) => from_parse(ParseError(Box::new(kind), pos), limits),
        EvalAltResult::ErrorTooManyOperations(_) => limit_of(RhaiLimit::Operations),
        EvalAltResult::ErrorStackOverflow(_) => limit_of(RhaiLimit::CallLevels),
        EvalAltResult::ErrorTooManyVariables(_) => limit_of(RhaiLimit::Variables),
        EvalAltResult::ErrorTooManyModules(_) => limit_of(RhaiLimit::Modules),
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            limit_of(if what.starts_with("Length of string") {
                RhaiLimit::StringSize
            } else if what.starts_with("Size of object map") {
                RhaiLimit::MapSize
            } else {
                RhaiLimit::ArraySize
            })
        }
        _ => ScriptError::Runtime(ErrorDetail {
            message,
            position: to_position(pos),
        }),
    }
}
