//! A dump on its way into the catalog: bytes from the engine, stored in chunks as they come.

use async_trait::async_trait;
use dbaas_core::store::DUMP_CHUNK_BYTES;
use dbaas_core::Store;
use dbaas_provisioner::{ByteSink, ProvisionError, ProvisionResult};

/// Writes one dump's chunks in order; [`Self::finish`] stores the last one and marks the dump
/// complete.
pub struct DumpWriter {
    store: Store,
    dump_id: i64,
    buffer: Vec<u8>,
    seq: i32,
    written: i64,
}

impl DumpWriter {
    pub fn new(store: Store, dump_id: i64) -> Self {
        Self {
            store,
            dump_id,
            buffer: Vec::with_capacity(DUMP_CHUNK_BYTES),
            seq: 0,
            written: 0,
        }
    }

    async fn flush(&mut self) -> Result<(), dbaas_core::StoreError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.buffer);
        self.store
            .dump_append(self.dump_id, self.seq, self.written, &chunk)
            .await?;
        self.seq += 1;
        self.written += chunk.len() as i64;
        Ok(())
    }

    /// Stores what is left and marks the dump complete; returns its size.
    pub async fn finish(mut self) -> Result<i64, dbaas_core::StoreError> {
        self.flush().await?;
        self.store.dump_finish(self.dump_id, self.written).await?;
        Ok(self.written)
    }
}

#[async_trait]
impl ByteSink for DumpWriter {
    async fn write(&mut self, bytes: Vec<u8>) -> ProvisionResult<()> {
        self.buffer.extend_from_slice(&bytes);
        if self.buffer.len() >= DUMP_CHUNK_BYTES {
            self.flush()
                .await
                .map_err(|e| ProvisionError::Engine(format!("storing the dump: {e}")))?;
        }
        Ok(())
    }
}
