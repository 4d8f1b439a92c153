import DropflowCore
import Foundation

/// A compiled JSON Schema `pattern`. Matching is a search (unanchored), as JSON Schema requires.
///
/// Patterns are ECMA-262 regular expressions; they run on ICU (`NSRegularExpression`) after a
/// small translation that keeps ECMA-262 meaning where the two differ in ways that matter here:
/// `$` outside a class matches only at the very end (ICU would also match before a final
/// newline, letting `"ES\n"` pass `^[A-Z]{2}$`), `\d` is ASCII `0-9` only, and `[` inside a class
/// is a literal. Compiled patterns are cached process-wide.
struct SchemaPattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to use from several threads.
    let source: String
    private let regex: NSRegularExpression

    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cache: [String: NSRegularExpression] = [:]

    /// Compiles `source`, or returns the cached compilation.
    init(_ source: String) throws {
        self.source = source
        SchemaPattern.cacheLock.lock()
        defer { SchemaPattern.cacheLock.unlock() }
        if let cached = SchemaPattern.cache[source] {
            regex = cached
        } else {
            regex = try NSRegularExpression(pattern: SchemaPattern.icuPattern(fromECMA: source))
            SchemaPattern.cache[source] = regex
        }
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        let range = NSRange(location: 0, length: text.utf16.count)
        return regex.firstMatch(in: text, options: [], range: range) != nil
    }

    /// Rewrites the few ECMA-262 constructs whose ICU meaning differs (see the type's comment).
    static func icuPattern(fromECMA pattern: String) -> String {
        let scalars = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        func emit(_ s: String) { out.append(contentsOf: s.unicodeScalars) }
        var inClass = false
        var i = 0
        while i < scalars.count {
            let ch = scalars[i]
            i += 1
            if ch == "\\" {
                guard i < scalars.count else { emit("\\"); break }  // keep the syntax error for ICU to report
                let next = scalars[i]
                i += 1
                if next == "d" { emit(inClass ? "0-9" : "[0-9]") }
                else if next == "D" && !inClass { emit("[^0-9]") }
                else { emit("\\"); out.append(next) }
                continue
            }
            if inClass {
                if ch == "]" { inClass = false; emit("]") }
                // ICU gives '[' (nested sets) and '&&' (intersection) a meaning; ECMA-262 does not.
                else if ch == "[" || ch == "&" { emit("\\"); out.append(ch) }
                else { out.append(ch) }
                continue
            }
            switch ch {
            case "[":
                // ECMA-262: "[]" matches nothing and "[^]" anything; ICU reads both differently.
                if i < scalars.count && scalars[i] == "]" { emit("(?!)"); i += 1; continue }
                if i + 1 < scalars.count && scalars[i] == "^" && scalars[i + 1] == "]" { emit("[\\s\\S]"); i += 2; continue }
                inClass = true
                emit("[")
                if i < scalars.count && scalars[i] == "^" { emit("^"); i += 1 }
            case "$": emit("\\z")
            default: out.append(ch)
            }
        }
        return String(out)
    }
}
