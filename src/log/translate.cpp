// Logs of a server whose lc_messages is not English: the words pglens reads (severities,
// "duration: %s ms", "statement: %s", "execute %s: %s", "parameters: %s", "disconnection:")
// as PostgreSQL's own translations write them (src/backend/po/*.po of PostgreSQL 15: de, es,
// fr, it, ja, ru, zh_CN read from the .mo files Debian installs, pt_BR from its .po). An
// entry in one of these languages is rewritten into the English one the analysis reads.
#include <algorithm>

#include "log/log.hpp"

namespace pglens::log {
namespace {

// A severity as a stderr line writes it before ":  ": the primary ones are "%s:  " with the
// word translated; DETAIL, STATEMENT ... are translated whole ("INSTRUCTION :  ").
struct Severity {
  std::string_view word;
  std::string_view english;
};

constexpr Severity kSeverities[] = {
    // de
    {"FEHLER", "ERROR"},
    {"PANIK", "PANIC"},
    {"WARNUNG", "WARNING"},
    {"HINWEIS", "NOTICE"},
    {"ANWEISUNG", "STATEMENT"},
    {"ZUSAMMENHANG", "CONTEXT"},
    {"TIPP", "HINT"},
    {"ANFRAGE", "QUERY"},
    // fr
    {"ERREUR", "ERROR"},
    {"ATTENTION", "WARNING"},
    {"DÉTAIL", "DETAIL"},
    {"INSTRUCTION ", "STATEMENT"},
    {"CONTEXTE ", "CONTEXT"},
    {"ASTUCE ", "HINT"},
    {"REQUÊTE ", "QUERY"},
    // es
    {"DETALLE", "DETAIL"},
    {"SENTENCIA", "STATEMENT"},
    {"CONTEXTO", "CONTEXT"},
    {"CONSULTA", "QUERY"},
    // it
    {"ERRORE", "ERROR"},
    {"FATALE", "FATAL"},
    {"PANICO", "PANIC"},
    {"ATTENZIONE", "WARNING"},
    {"NOTIFICA", "NOTICE"},
    {"DETTAGLI", "DETAIL"},
    {"ISTRUZIONE", "STATEMENT"},
    {"CONTESTO", "CONTEXT"},
    {"SUGGERIMENTO", "HINT"},
    // pt_BR
    {"ERRO", "ERROR"},
    {"PÂNICO", "PANIC"},
    {"AVISO", "WARNING"},
    {"NOTA", "NOTICE"},
    {"DETALHE", "DETAIL"},
    {"COMANDO", "STATEMENT"},
    {"DICA", "HINT"},
    {"DEPURAÇÃO", "DEBUG"},
    // ja
    {"詳細", "DETAIL"},
    {"文", "STATEMENT"},
    {"文脈", "CONTEXT"},
    {"ヒント", "HINT"},
    {"問い合わせ", "QUERY"},
    // ru
    {"СООБЩЕНИЕ", "LOG"},
    {"ОШИБКА", "ERROR"},
    {"ВАЖНО", "FATAL"},
    {"ПАНИКА", "PANIC"},
    {"ПРЕДУПРЕЖДЕНИЕ", "WARNING"},
    {"ЗАМЕЧАНИЕ", "NOTICE"},
    {"ИНФОРМАЦИЯ", "INFO"},
    {"ОТЛАДКА", "DEBUG"},
    {"ПОДРОБНОСТИ", "DETAIL"},
    {"ОПЕРАТОР", "STATEMENT"},
    {"КОНТЕКСТ", "CONTEXT"},
    {"ПОДСКАЗКА", "HINT"},
    {"ЗАПРОС", "QUERY"},
    // zh_CN
    {"日志", "LOG"},
    {"错误", "ERROR"},
    {"致命错误", "FATAL"},
    {"比致命错误还过分的错误", "PANIC"},
    {"警告", "WARNING"},
    {"注意", "NOTICE"},
    {"信息", "INFO"},
    {"调试", "DEBUG"},
    {"详细信息", "DETAIL"},
    {"语句", "STATEMENT"},
    {"上下文", "CONTEXT"},
    {"提示", "HINT"},
    {"查询", "QUERY"},
    // uk, ko, sv: their severities, so their lines are entries (their statements are counted
    // as in another language: see Summary::localized)
    {"ЗАПИСУВАННЯ", "LOG"},
    {"ПОМИЛКА", "ERROR"},
    {"ВІДОМОСТІ", "DETAIL"},
    {"ІНСТРУКЦІЯ", "STATEMENT"},
    {"로그", "LOG"},
    {"오류", "ERROR"},
    {"상세정보", "DETAIL"},
    {"명령 구문", "STATEMENT"},
    {"LOGG", "LOG"},
    {"FEL", "ERROR"},
    {"DETALJ", "DETAIL"},
    {"SATS", "STATEMENT"},
    {"ФАТАЛЬНО", "FATAL"},
    {"치명적오류", "FATAL"},
    {"FATALT", "FATAL"},
};

// The messages of one language, as they start.
struct Language {
  std::string_view name;
  std::string_view duration;   // "duration: " (the number follows)
  std::string_view unit;       // " ms"
  std::string_view statement;  // "statement: "
  std::string_view execute;    // "execute" (a space and the statement's name follow)
  std::string_view fetch;      // "execute fetch from"
  std::string_view parameters;
  std::string_view disconnection;
};

constexpr Language kLanguages[] = {
    {"de", "Dauer: ", " ms", "Anweisung: ", "Ausführen", "Ausführen Fetch von", "Parameter: ", "Verbindungsende: "},
    {"fr", "durée : ", " ms", "instruction : ", "exécute", "exécute fetch à partir de",
     "paramètres : ", "déconnexion : "},
    {"es", "duración: ", " ms", "sentencia: ", "ejecutar", "ejecutar fetch desde", "parámetros: ", "desconexión: "},
    {"pt_BR", "duração: ", " ms", "comando: ", "executar", "executar busca de", "parâmetros: ", "desconexão: "},
    {"it", "durata: ", " ms", "istruzione: ", "esecuzione di", "esecuzione di fetch da",
     "parametri: ", "disconnessione: "},
    {"ja", "期間: ", " ミリ秒", "文: ", "実行", "取り出し実行", "パラメータ: ", "接続を切断: "},
    {"ru", "продолжительность: ", " мс", "оператор: ", "выполнение", "выборка из", "параметры: ", "отключение: "},
    // zh_CN's "duration: %s ms  %s %s%s%s: %s" has no space before the name: "执行<unnamed>: "
    {"zh_CN", "执行时间: ", " ms", "语句: ", "执行", "执行FETCH操作", "参数: ", "断开连接: "},
};

bool is_ascii_word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// "execute <unnamed>: ..." in `lang` at the start of `m`: the English text, or empty.
std::string execute_in(const Language& lang, std::string_view m) {
  std::string_view english;
  std::string_view rest;
  if (m.starts_with(lang.fetch)) {
    english = "execute fetch from ";
    rest = m.substr(lang.fetch.size());
  } else if (m.starts_with(lang.execute)) {
    english = "execute ";
    rest = m.substr(lang.execute.size());
  } else {
    return {};
  }
  if (rest.starts_with(' ')) rest.remove_prefix(1);
  // the statement's name, then ": " and the statement
  if (rest.empty() || rest[0] == ' ' || rest.find(": ") == std::string_view::npos) return {};
  std::string out(english);
  out.append(rest);
  return out;
}

}  // namespace

std::string_view english_severity(std::string_view word) {
  for (const auto& s : kSeverities)
    if (s.word == word) return s.english;
  return {};
}

size_t find_translated_severity(std::string_view line, size_t& word_len, std::string_view& english) {
  size_t limit = std::min<size_t>(line.size(), 4096);
  for (size_t pos = line.find(":  "); pos != std::string_view::npos && pos < limit; pos = line.find(":  ", pos + 1)) {
    for (const auto& s : kSeverities) {
      if (s.word.size() > pos) continue;
      size_t b = pos - s.word.size();
      if (line.compare(b, s.word.size(), s.word) != 0) continue;
      // a word of its own: "上下文" is not "文", "ERRORE" not "ERRO"
      if (b > 0 && (is_ascii_word_byte(line[b - 1]) || static_cast<unsigned char>(line[b - 1]) >= 0x80)) continue;
      word_len = s.word.size();
      english = s.english;
      return b;
    }
  }
  return std::string_view::npos;
}

std::string translated_severity_pattern() {
  std::string out;
  for (const auto& s : kSeverities) {
    if (!out.empty()) out.push_back('|');
    for (char c : s.word) {
      // the words are letters and spaces; escape anything RE2 could read as syntax
      if (static_cast<unsigned char>(c) < 0x80 && !is_ascii_word_byte(c) && c != ' ') out.push_back('\\');
      out.push_back(c);
    }
  }
  return out;
}

std::string_view to_english(Entry& e) {
  std::string_view m = e.message;
  if (m.starts_with("duration: ") || m.starts_with("statement: ") || m.starts_with("execute ") ||
      m.starts_with("disconnection: ") || m.empty() || e.severity != "LOG")
    return {};
  for (const auto& lang : kLanguages) {
    std::string english;
    if (m.starts_with(lang.duration)) {
      size_t i = lang.duration.size();
      size_t number = i;
      while (i < m.size() && ((m[i] >= '0' && m[i] <= '9') || m[i] == '.')) ++i;
      if (i == number || m.compare(i, lang.unit.size(), lang.unit) != 0) continue;
      english = "duration: ";
      english.append(m.substr(number, i - number));
      english.append(" ms");
      std::string_view rest = m.substr(i + lang.unit.size());
      // "  statement: ", ", instruction : ", " 语句: "
      std::string_view after = rest;
      while (after.starts_with(' ') || after.starts_with(',')) after.remove_prefix(1);
      if (rest.empty()) {
      } else if (after.starts_with(lang.statement)) {
        english.append("  statement: ");
        english.append(after.substr(lang.statement.size()));
      } else if (std::string execute = execute_in(lang, after); !execute.empty()) {
        english.append("  ");
        english.append(execute);
      } else {
        english.append(rest);  // parse / bind steps: read as English ones are, and skipped
      }
    } else if (m.starts_with(lang.statement)) {
      english = "statement: ";
      english.append(m.substr(lang.statement.size()));
    } else if (m.starts_with(lang.disconnection)) {
      english = "disconnection: ";
      english.append(m.substr(lang.disconnection.size()));
    } else {
      english = execute_in(lang, m);
      if (english.empty()) continue;
    }
    e.message = std::move(english);
    if (e.detail.starts_with(lang.parameters)) e.detail.replace(0, lang.parameters.size(), "parameters: ");
    return lang.name;
  }
  return {};
}

}  // namespace pglens::log
