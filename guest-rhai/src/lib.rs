//! The Rhai interpreter as a WASI component.
//!
//! The host instantiates this component once per request. [`init`] builds the
//! Rhai [`Engine`] and is run by the pre-initializer (wizer) when the host
//! snapshots the component, so a fresh instance starts with a ready engine.
//! Everything a script can observe comes in through `run`'s arguments, and
//! everything it says goes out through the `host.log` import and the result.

mod engine;
mod errors;
mod request;
mod response;

use std::cell::RefCell;

use rhai::{Dynamic, Engine, Scope};

#[allow(clippy::too_many_arguments)] // generated canonical-ABI shims
mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "rhai-guest",
    });
}

use bindings::{Guest, Request, Response, RhaiLimits, ScriptContext, ScriptError};

thread_local! {
    // A component instance is single-threaded; the engine lives for the
    // lifetime of the instance, which is one request.
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Runs `f` with the engine, building it first if the snapshot did not.
fn with_engine<R>(limits: &RhaiLimits, f: impl FnOnce(&Engine) -> R) -> R {
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let engine = slot.get_or_insert_with(engine::build);
        engine::apply_limits(engine, limits);
        f(engine)
    })
}

struct RhaiGuest;

impl Guest for RhaiGuest {
    fn init() {
        ENGINE.with(|cell| {
            cell.borrow_mut().get_or_insert_with(engine::build);
        });
    }

    fn run(
        source: String,
        request: Request,
        ctx: ScriptContext,
        limits: RhaiLimits,
    ) -> Result<Response, ScriptError> {
        with_engine(&limits, |engine| {
            let ast = engine
                .compile(&source)
                .map_err(|e| errors::from_parse(e, &limits))?;
            let mut scope = Scope::new();
            scope.push_constant("request", request::to_map(request));
            scope.push_constant("ctx", request::context_map(ctx));
            let value: Dynamic = engine
                .eval_ast_with_scope(&mut scope, &ast)
                .map_err(|e| errors::from_eval(*e, &limits))?;
            response::from_value(value, &limits)
        })
    }

    fn check(source: String, limits: RhaiLimits) -> Result<(), ScriptError> {
        with_engine(&limits, |engine| {
            engine
                .compile(&source)
                .map(drop)
                .map_err(|e| errors::from_parse(e, &limits))
        })
    }
}

bindings::export!(RhaiGuest with_types_in bindings);
