//! A chart as a PNG file that stands on its own: the chart's title, the dates and filters it
//! shows, and the drawing, on the theme's background — what the chart panel's "PNG" button
//! downloads (a button, so it is reachable by keyboard, unlike a canvas toolbox icon).
use leptos_router::params::ParamsMap;

use crate::dashboard::filter::DateRange;

/// The line under the title: the range and every filter set ("2 Apr 2026 – 30 Jun 2026 ·
/// country: Germany, France").
pub fn caption(range: Option<DateRange>, query: &ParamsMap) -> String {
    let mut parts = Vec::new();
    if let Some(r) = range {
        parts.push(format!(
            "{} – {}",
            r.from.format("%-d %b %Y"),
            r.to.format("%-d %b %Y")
        ));
    }
    for key in ["channel", "source", "country", "category"] {
        let values = query.get_all(key).unwrap_or_default();
        if !values.is_empty() {
            parts.push(format!("{key}: {}", values.join(", ")));
        }
    }
    parts.join(" · ")
}

/// Draws `title`, `caption` and the chart's own image (`chart_url`, a PNG data URL at twice the
/// screen's pixels) onto one canvas in the theme's colours and downloads it as `file_name.png`.
#[cfg(feature = "hydrate")]
pub fn download(chart_url: String, file_name: String, title: String, caption: String, dark: bool) {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    let (background, text, muted) = if dark {
        ("#1a1e24", "#e8eaed", "#9aa4b2")
    } else {
        ("#ffffff", "#1b1f24", "#5d6673")
    };
    let Ok(image) = web_sys::HtmlImageElement::new() else {
        return;
    };
    let img = image.clone();
    let on_load = Closure::once(move || {
        let document = leptos::prelude::document();
        let Some(canvas) = document
            .create_element("canvas")
            .ok()
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            return;
        };
        // The chart's image is drawn at 2× (ECharts' pixelRatio); the header is scaled alike.
        let (pad, head) = (32.0, 112.0);
        let (w, h) = (img.natural_width() as f64, img.natural_height() as f64);
        canvas.set_width((w + 2.0 * pad) as u32);
        canvas.set_height((h + head + pad) as u32);
        let Some(ctx) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        ctx.set_fill_style_str(background);
        ctx.fill_rect(0.0, 0.0, w + 2.0 * pad, h + head + pad);
        ctx.set_fill_style_str(text);
        ctx.set_font("600 34px system-ui, sans-serif");
        let _ = ctx.fill_text(&title, pad, pad + 34.0);
        ctx.set_fill_style_str(muted);
        ctx.set_font("24px system-ui, sans-serif");
        let _ = ctx.fill_text(&caption, pad, pad + 74.0);
        let _ = ctx.draw_image_with_html_image_element(&img, pad, head);
        let Ok(url) = canvas.to_data_url() else {
            return;
        };
        if let Some(link) = document
            .create_element("a")
            .ok()
            .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            link.set_href(&url);
            link.set_download(&format!("{file_name}.png"));
            link.click();
        }
    });
    image.set_onload(Some(on_load.as_ref().unchecked_ref()));
    // Owned by the image from now on: it runs once, when the image has loaded.
    on_load.forget();
    image.set_src(&chart_url);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caption_names_the_range_and_every_filter_set() {
        let mut query = ParamsMap::new();
        query.insert("country", "Germany".to_string());
        query.insert("country", "France".to_string());
        query.insert("channel", "online".to_string());
        query.insert("grain", "week".to_string());
        let range = DateRange {
            from: chrono::NaiveDate::from_ymd_opt(2026, 4, 2).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        };
        assert_eq!(
            caption(Some(range), &query),
            "2 Apr 2026 – 30 Jun 2026 · channel: online · country: Germany, France"
        );
        assert_eq!(caption(None, &ParamsMap::new()), "");
    }
}
