//! The `a=extmap` binding of local extension IDs to URIs (RFC 8285 §5).

use super::{ExtensionForm, ExtensionValue, HeaderExtension};
use crate::error::Error;

/// One `a=extmap` binding: local ID ↔ extension URI (RFC 8285 §5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Extmap {
    /// The local identifier carried in packets, 1–255.
    pub id: u8,
    /// The extension's URI.
    pub uri: String,
}

/// The header extensions negotiated for a stream: a bidirectional map between local IDs and
/// URIs (RFC 8285 §5). Built once from SDP; looking up an ID or URI does not allocate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtensionMap {
    entries: Vec<Extmap>,
}

impl ExtensionMap {
    /// An empty map.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Binds `id` to `uri`. ID 0 is padding and cannot be bound
    /// ([`Error::ExtmapIdOutOfRange`]); an ID bound to a different URI is
    /// [`Error::ExtmapIdInUse`]; binding the same pair again is accepted. A URI bound to an
    /// ID already is rebound to the new one.
    pub fn insert(&mut self, id: u8, uri: impl Into<String>) -> Result<(), Error> {
        if id == 0 {
            return Err(Error::ExtmapIdOutOfRange { id });
        }
        let uri = uri.into();
        if let Some(existing) = self.entries.iter().find(|e| e.id == id) {
            return if existing.uri == uri {
                Ok(())
            } else {
                Err(Error::ExtmapIdInUse { id })
            };
        }
        self.entries.retain(|e| e.uri != uri);
        self.entries.push(Extmap { id, uri });
        Ok(())
    }

    /// Binds `id` to `T`'s URI.
    pub fn insert_value<T: ExtensionValue>(&mut self, id: u8) -> Result<(), Error> {
        self.insert(id, T::URI)
    }

    /// Removes the binding of `id`, returning it.
    pub fn remove(&mut self, id: u8) -> Option<Extmap> {
        let index = self.entries.iter().position(|e| e.id == id)?;
        Some(self.entries.swap_remove(index))
    }

    /// The URI bound to `id`.
    pub fn uri(&self, id: u8) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.uri.as_str())
    }

    /// The ID bound to `uri`.
    pub fn id(&self, uri: &str) -> Option<u8> {
        self.entries.iter().find(|e| e.uri == uri).map(|e| e.id)
    }

    /// The ID bound to `T`'s URI.
    pub fn id_of<T: ExtensionValue>(&self) -> Option<u8> {
        self.id(T::URI)
    }

    /// Reads `T` from `extension` under the ID negotiated for it; `None` when `T` is not
    /// negotiated or not present.
    pub fn value<T: ExtensionValue>(
        &self,
        extension: &HeaderExtension<'_>,
    ) -> Result<Option<T>, Error> {
        match self.id_of::<T>() {
            Some(id) => extension.value::<T>(id),
            None => Ok(None),
        }
    }

    /// The bindings, in insertion order (removals may reorder).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Extmap> {
        self.entries.iter()
    }

    /// The number of bindings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is bound.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The form a sender needs to carry every bound ID: one-byte when all IDs are 1–14,
    /// two-byte otherwise (RFC 8285 §4.2, §4.3).
    pub fn form(&self) -> ExtensionForm {
        if self.entries.iter().all(|e| e.id <= 14) {
            ExtensionForm::OneByte
        } else {
            ExtensionForm::TwoByte
        }
    }
}
