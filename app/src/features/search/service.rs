//! The search: who may find what (products for every user; customers and orders, which name
//! people, for analysts and admins), the query's checks, and the hits in the order shown.
use super::queries;
use super::types::{HitKind, SearchHit, SearchResults};
use crate::error::AppError;
use crate::features::auth::types::Role;
use crate::state::AppState;

/// Hits of each kind at most.
pub const PER_KIND: i64 = 6;
/// Longest query, in characters.
pub const MAX_QUERY: usize = 100;
/// Shortest text matched anywhere in a customer's name, email or id (the trigram index needs
/// three characters); shorter text finds a customer only by their exact id.
const MIN_SUBSTRING: usize = 3;

/// The query as searched (trimmed, lower-cased), or why it cannot be.
pub fn clean(query: &str) -> Result<String, AppError> {
    let text = query.trim();
    if text.chars().count() > MAX_QUERY {
        return Err(AppError::invalid(
            "q",
            format!("at most {MAX_QUERY} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::invalid("q", "no control characters"));
    }
    Ok(text.to_lowercase())
}

/// `text` with the `like` wildcards (`%`, `_`) and the escape character taken literally.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// What `role` may find for `query`: products, then customers, then orders.
pub async fn search(state: &AppState, role: Role, query: &str) -> Result<SearchResults, AppError> {
    let text = clean(query)?;
    let typed = query.trim().to_string();
    if text.is_empty() {
        return Ok(SearchResults {
            query: typed,
            hits: Vec::new(),
        });
    }
    let contains = format!("%{}%", like_escape(&text));
    let prefix = format!("{}%", like_escape(&text));
    let people = role.allows(Role::Analyst);
    let pool = &state.pool;
    let (products, customers, orders) = tokio::try_join!(
        queries::products(pool, &text, &contains, &prefix, PER_KIND),
        async {
            match (people, text.chars().count() >= MIN_SUBSTRING) {
                (false, _) => Ok(Vec::new()),
                (true, true) => queries::customers(pool, &text, &contains, &prefix, PER_KIND).await,
                (true, false) => queries::customers_by_id(pool, &typed, PER_KIND).await,
            }
        },
        async {
            match people {
                true => queries::orders(pool, &typed, PER_KIND).await,
                false => Ok(Vec::new()),
            }
        },
    )?;
    let products = products.into_iter().map(|p| SearchHit {
        kind: HitKind::Product,
        id: p.product_id,
        label: p.name,
        detail: format!("{} · {}", p.sku, p.category),
        href: format!("/products/{}", p.product_id),
    });
    let customers = customers.into_iter().map(|c| SearchHit {
        kind: HitKind::Customer,
        id: c.customer_id,
        label: c
            .name
            .unwrap_or_else(|| format!("Customer {}", c.external_id)),
        detail: [c.email, c.country, Some(format!("id {}", c.external_id))]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        href: format!("/customers/{}", c.customer_id),
    });
    let orders = orders.into_iter().map(|o| SearchHit {
        kind: HitKind::Order,
        id: o.order_id,
        label: format!("Order {}", o.number),
        detail: match o.customer {
            Some(customer) => format!("{} · {customer}", o.day.format("%-d %b %Y")),
            None => format!("{} · guest", o.day.format("%-d %b %Y")),
        },
        href: format!("/orders/{}", o.order_id),
    });
    Ok(SearchResults {
        query: typed,
        hits: products.chain(customers).chain(orders).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_searched_for_literally() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
        assert_eq!(like_escape("mug"), "mug");
    }

    #[test]
    fn queries_are_trimmed_lower_cased_and_bounded() {
        assert_eq!(clean("  Mug ").unwrap(), "mug");
        assert_eq!(clean("").unwrap(), "");
        assert!(clean(&"x".repeat(MAX_QUERY)).is_ok());
        assert!(matches!(
            clean(&"x".repeat(MAX_QUERY + 1)),
            Err(AppError::Validation(_))
        ));
        assert!(matches!(clean("a\0b"), Err(AppError::Validation(_))));
    }
}
