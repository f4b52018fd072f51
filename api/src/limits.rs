//! What the HTTP layer accepts at most, and the page size of lists.

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The most a single header value, and all headers together, may weigh. A token is well under
/// 1 KiB; anything near these limits is an attack or a broken client.
pub const MAX_HEADER_VALUE_BYTES: usize = 8 * 1024;
pub const MAX_HEADERS_BYTES: usize = 32 * 1024;
/// The page size of lists when the request names none.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
