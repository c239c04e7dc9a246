//! Pre-initialization of the guest with wizer.
//!
//! Building Rhai's `Engine` with its standard packages is most of the cost of
//! a fresh instance (about 0.5 ms). Wizer runs the guest's `init` export once
//! and writes the resulting memory into a new component, so every instance
//! starts from a snapshot that already holds a ready engine; the pooling
//! allocator maps it copy-on-write.
//!
//! Hash seeds: the guest's Rhai is built without `ahash/runtime-rng`, so its
//! hashes (function lookup, not user data: Rhai object maps are B-trees) use
//! fixed keys whether or not they are snapshotted. Collisions a script could
//! engineer only slow that script, inside its own instance and budget.

use wasmtime::component::{Component, Instance, Lift, Linker, WasmList};
use wasmtime::{Config, Engine, Store};
use wasmtime_wizer::{ComponentInstanceState, Wizer};

use crate::HostError;
use crate::state::InvocationState;

const INIT_FUNC: &str = "init";

/// Returns the guest component with its `init` export already run.
pub(crate) async fn preinitialize(wasm: &[u8]) -> Result<Vec<u8>, HostError> {
    let err = |e: wasmtime::Error| HostError::Snapshot(format!("{e:?}"));
    let mut wizer = Wizer::new();
    // The world exports `init`; keep it so the snapshot still satisfies it.
    wizer.init_func(INIT_FUNC).keep_init_func(true);
    let (cx, instrumented) = wizer.instrument_component(wasm).map_err(err)?;

    let engine = Engine::new(&Config::new()).map_err(err)?;
    let component = Component::new(&engine, &instrumented).map_err(err)?;
    let mut linker = Linker::new(&engine);
    crate::executor::link(&mut linker).map_err(|e| HostError::Snapshot(e.to_string()))?;
    let state = InvocationState::new(
        &picloud_shared::Limits::default(),
        u64::MAX,
        std::time::Instant::now(),
    );
    let mut store = Store::new(&engine, state);
    let instance = linker
        .instantiate_async(&mut store, &component)
        .await
        .map_err(err)?;
    let init = instance
        .get_typed_func::<(), ()>(&mut store, INIT_FUNC)
        .map_err(err)?;
    init.call_async(&mut store, ()).await.map_err(err)?;

    wizer
        .snapshot_component(
            &cx,
            &mut Snapshotting {
                store: &mut store,
                instance,
            },
        )
        .await
        .map_err(err)
}

/// Lets wizer read the instance's state through the accessors it added.
struct Snapshotting<'a> {
    store: &'a mut Store<InvocationState>,
    instance: Instance,
}

impl Snapshotting<'_> {
    async fn call<R: Lift + Send + Sync + 'static>(&mut self, instance: &str, func: &str) -> R {
        let (_, exported) = self
            .instance
            .get_export(&mut *self.store, None, instance)
            .expect("wizer instruments this instance export");
        let (_, func_index) = self
            .instance
            .get_export(&mut *self.store, Some(&exported), func)
            .expect("wizer instruments this function export");
        let func = self
            .instance
            .get_typed_func::<(), (R,)>(&mut *self.store, func_index)
            .expect("wizer's accessor has the expected type");
        func.call_async(&mut *self.store, ())
            .await
            .expect("wizer's accessor does not trap")
            .0
    }
}

impl ComponentInstanceState for Snapshotting<'_> {
    async fn call_func_ret_list_u8(
        &mut self,
        instance: &str,
        func: &str,
        contents: impl FnOnce(&[u8]) + Send,
    ) {
        let list: WasmList<u8> = self.call(instance, func).await;
        contents(list.as_le_slice(&*self.store));
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.call(instance, func).await
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.call(instance, func).await
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.call::<f32>(instance, func).await.to_bits()
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.call::<f64>(instance, func).await.to_bits()
    }
}
