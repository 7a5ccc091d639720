//! How server functions' answers and a page's data travel. The functions pages read
//! (`input = GetUrl`) answer in postcard (`Read`), and the server renders their data into the
//! page in postcard too (`Page`, through `resource`); actions (POST) reply in JSON (`Json`).
use serde::{de::DeserializeOwned, Serialize};

/// The encoding of an action's reply: `#[server(…, output = crate::codec::Json)]`.
pub type Json = leptos::server_fn::codec::Json;

/// The encoding of the answers of the server functions that pages read (`input = GetUrl`):
/// postcard. Pages read these both from the server-rendered page while hydrating (`Page`) and
/// from the server function when a filter changes, so both are postcard: a binary format whose
/// reader, per answer type, is a fraction of JSON's (no field names to match), which is most of
/// what each answer type adds to the browser bundle (docs/performance.md, "The browser
/// bundle"). Actions (POST) reply in JSON (`Json`): small replies that scripts read too. The
/// JSON routes under /api/v1 answer the same types in JSON.
pub type Read = leptos::server_fn::codec::Postcard;

/// A page's data in the server-rendered page: postcard, as base64 text.
pub type Page = codee::string::Base64<codee::binary::PostcardCodec>;

/// A resource whose data the server renders into the page in `Page`'s encoding (what
/// `Resource::new` is for JSON).
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> leptos::prelude::Resource<T, Page>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    leptos::prelude::Resource::new_with_options(source, fetcher, false)
}
