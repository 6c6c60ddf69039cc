#include "html/page.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

namespace pglens::html {
namespace {

// 'sha256-<base64>' of an inline script or style, as CSP names it.
std::string csp_hash(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  unsigned char b64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  return fmt::format("'sha256-{}'", std::string_view(reinterpret_cast<const char*>(b64), static_cast<size_t>(n)));
}

}  // namespace

std::string content_security_policy(std::string_view form_action) {
  static const std::string script = csp_hash(page_js());
  static const std::string style = csp_hash(page_css());
  return fmt::format("default-src 'none'; script-src {}; style-src {}; img-src data:; base-uri 'none'; form-action {}",
                     script, style, form_action);
}

std::string document(std::string_view title, std::string_view body, std::string_view form_action) {
  std::string out;
  out.reserve(body.size() + page_css().size() + page_js().size() + 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  out += content_security_policy(form_action);
  out += "\">\n<meta name=\"referrer\" content=\"no-referrer\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"color-scheme\" content=\"light dark\">\n<title>";
  append_html_escaped(out, title);
  out += "</title>\n<style>";
  out += page_css();
  out += "</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the plan</a>\n";
  out += body;
  out += "\n<script>";
  out += page_js();
  out += "</script>\n</body>\n</html>\n";
  return out;
}

std::string share_class(double share) {
  if (!(share > 0.005)) return "s0";
  int step = static_cast<int>(std::ceil(std::clamp(share, 0.0, 1.0) * 9));
  return fmt::format("s{}", std::clamp(step, 1, 9));
}

void append_share_bar(std::string& out, double share) {
  double w = std::clamp(std::isfinite(share) ? share : 0.0, 0.0, 1.0) * 100;
  out += fmt::format(
      "<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">"
      "<rect class=\"track\" width=\"100\" height=\"10\"/><rect class=\"{}\" width=\"{:.2f}\" height=\"10\"/></svg>",
      share_class(share), w);
}

void append_copy_block(std::string& out, std::string_view id, std::string_view code, std::string_view label) {
  out += "<div class=\"copyable\"><pre><code id=\"";
  append_html_escaped(out, id);
  out += "\">";
  append_html_escaped(out, code);
  out += "</code></pre><button type=\"button\" class=\"copy\" data-copy=\"";
  append_html_escaped(out, id);
  out += "\">";
  append_html_escaped(out, label);
  out += "</button></div>";
}

}  // namespace pglens::html
