// The pieces every pglens HTML page is made of: one self-contained document (its CSS and
// script inline, allowed by hash in a strict Content-Security-Policy: the page loads nothing
// and sends nothing), share bars, copyable code blocks, tables. The plan page, the diff page
// and later reports (log, advise) build on them.
#pragma once

#include <string>
#include <string_view>

#include "source/json_string.hpp"

namespace pglens::html {

// The CSS and script of every page (src/html/assets, embedded at build time).
std::string_view page_css();
std::string_view page_js();

// The Content-Security-Policy of a page whose only style and script are page_css() and
// page_js(): nothing else runs, nothing is fetched, no form is sent (`form_action` names
// where one may be, for `pglens serve`).
std::string content_security_policy(std::string_view form_action = "'none'");

// A whole document: doctype, CSP meta, title, the CSS, `body`, the script.
std::string document(std::string_view title, std::string_view body, std::string_view form_action = "'none'");

// The colour step of a share 0..1: "s0" (nothing) to "s9" (all); the CSS colours them.
std::string share_class(double share);
// A horizontal bar of `share` (0..1) as inline SVG: sized by attributes, which the CSP allows
// where a style attribute would not be.
void append_share_bar(std::string& out, double share);
// A <pre><code> block with a copy button; `id` must be unique in the page.
void append_copy_block(std::string& out, std::string_view id, std::string_view code, std::string_view label);

}  // namespace pglens::html
