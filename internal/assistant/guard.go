package assistant

import (
	"fmt"
	"strings"
)

// Fact is a checkable claim found in a text: a URL, e-mail, date, time,
// number (phone numbers included), weekday or relative day, capitalised
// name, or a cause or commitment word.
type Fact struct {
	Kind  string // url, email, date, time, number, day, name, claim
	Text  string // as written
	Value string // normalised, what is compared
}

// GuardError lists the facts of an answer that its sources do not contain.
type GuardError struct {
	Unsupported []Fact
}

func (e *GuardError) Error() string {
	parts := make([]string, len(e.Unsupported))
	for i, f := range e.Unsupported {
		parts[i] = fmt.Sprintf("%s %q", f.Kind, f.Text)
	}
	return "assistant: answer states what its sources do not: " + strings.Join(parts, ", ")
}

// Check returns nil when every fact of answer appears in sources, and a
// *GuardError listing the others. It is the last step of every answer and
// the gate an LLM rephrasing must pass: an answer may reword its sources but
// never add a time, date, number, link, name, cause or promise.
func Check(answer string, sources ...string) error {
	return check(answer, newSupport(sources...))
}

// support is the set of facts (and words) a set of sources holds.
type support map[string]bool

func newSupport(sources ...string) support {
	s := support{}
	for _, src := range sources {
		s.add(src)
	}
	return s
}

func (s support) add(src string) {
	if src == "" {
		return
	}
	for _, f := range Facts(src) {
		s[f.Kind+"\x00"+f.Value] = true
	}
	// Any word of the sources may be capitalised in the answer.
	for _, w := range words(fold(src)) {
		s["name\x00"+w] = true
	}
}

func (s support) has(f Fact) bool {
	switch {
	case s[f.Kind+"\x00"+f.Value]:
		return true
	case f.Kind == "url":
		return urlCovered(f.Value, s)
	case f.Kind == "name":
		return allWordsIn(f.Value, s)
	}
	return false
}

// check accepts answer when each of its facts is in one of the supports.
func check(answer string, sups ...support) error {
	var bad []Fact
	for _, f := range Facts(answer) {
		ok := false
		for _, s := range sups {
			if s.has(f) {
				ok = true
				break
			}
		}
		if !ok {
			bad = append(bad, f)
		}
	}
	if len(bad) > 0 {
		return &GuardError{Unsupported: bad}
	}
	return nil
}

// allWordsIn accepts a hyphenated name whose parts are all source words.
func allWordsIn(v string, have support) bool {
	for _, p := range strings.Split(v, "-") {
		if p != "" && !have["name\x00"+p] {
			return false
		}
	}
	return true
}

// nameValue drops an elided article ("l'équipe" → "equipe") or an English
// possessive ("meta's" → "meta") from a folded name.
func nameValue(f string) string {
	before, after, ok := strings.Cut(f, "'")
	if !ok {
		return f
	}
	if len(before) <= 2 || before == "qu" || before == "jusqu" || before == "lorsqu" || before == "puisqu" {
		return after
	}
	return before
}

// urlCovered accepts a bare host or path prefix of a source URL
// ("cafe-express.fr" when the source has "https://cafe-express.fr/suivi").
func urlCovered(u string, have support) bool {
	for k := range have {
		if v, ok := strings.CutPrefix(k, "url\x00"); ok && strings.HasPrefix(v, u) && (len(v) == len(u) || v[len(u)] == '/') {
			return true
		}
	}
	return false
}
