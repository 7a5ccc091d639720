//! How server functions' answers travel: JSON, as with server_fn's own `Json`, but read from
//! text. A page's resources are read twice in the browser — from the server-rendered page while
//! it hydrates (Leptos reads those with `serde_json::from_str`) and from the server function when
//! a filter changes (server_fn's `Json` reads bytes with `serde_json::from_slice`). Two readers
//! compiled every answer type's deserialiser twice into the browser bundle; reading both from
//! text compiles it once (docs/performance.md, "The browser bundle").
use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// The encoding of every server function's answer: `#[server(…, output = crate::codec::Json)]`.
pub type Json = Post<JsonText>;

/// JSON bytes on the wire, decoded as UTF-8 text.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}
