//! The frame every dashboard page shares: the header with the product's
//! name, the navigation and the search box, and a footer saying up to
//! which time of data the page shows (replayed history has its own "now").

use axum::response::Html;
use report::escape_html as esc;
use report::words;

/// The one style sheet, embedded in every page (no fetches).
const STYLE: &str = include_str!("style.css");

/// A page titled `title` around `body` (HTML whose data is already
/// escaped). `data_end` is the end of the latest stored bin, stated in
/// the footer; `None` on pages that show no data.
pub fn page(title: &str, data_end: Option<u64>, body: &str) -> Html<String> {
    let data = match data_end {
        Some(t) => format!(
            "Data up to <time datetime=\"{}\">{}</time>, the end of the latest stored bin. ",
            words::rfc3339(t),
            esc(&words::when(t))
        ),
        None => String::new(),
    };
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · darkwatch</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header class=\"top\">\n<div class=\"bar\">\n\
         <a class=\"brand\" href=\"/\">darkwatch</a>\n\
         <nav aria-label=\"Main\"><a href=\"/\">Overview</a><a href=\"/search\">Entities</a>\
         <a href=\"/api/v1/openapi.json\">API</a></nav>\n\
         <form class=\"search\" action=\"/search\" method=\"get\" role=\"search\">\
         <input type=\"search\" name=\"q\" placeholder=\"Country, AS or prefix\" aria-label=\"Search countries, networks and prefixes\">\
         <button type=\"submit\">Search</button></form>\n\
         </div>\n</header>\n<main>\n{body}</main>\n\
         <footer>{data}All times UTC. darkwatch tells from BGP routing data when a country's or a network's Internet goes dark.</footer>\n\
         </body>\n</html>\n",
        title = esc(title),
    ))
}
