use super::*;

#[test]
fn markup_in_text_is_escaped() {
    assert_eq!(
        esc(r#"<script>alert("x")</script> & 'y'"#),
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
    );
    assert_eq!(esc(42), "42");
}

#[test]
fn a_page_escapes_its_title_and_flash_and_links_only_its_own_assets() {
    let session = Session::for_tests("<b>who</b>", Some("<img src=x onerror=alert(1)>"));
    let Html(html) = page("<i>title</i>", Some(Nav::Jobs), &session, "<p>body</p>");
    assert!(!html.contains("<i>title") && html.contains("&lt;i&gt;title"), "{html}");
    assert!(!html.contains("<img") && html.contains("&lt;img src=x"), "{html}");
    assert!(!html.contains("<b>who") && html.contains("<p>body</p>"));
    assert!(html.contains(r#"<a href="/ui/jobs" aria-current="page">"#), "{html}");
    assert!(!html.contains("http://") && !html.contains("https://"), "no external resource");
    assert!(!html.contains("style=") && !html.contains("<script>"), "nothing inline");
}
