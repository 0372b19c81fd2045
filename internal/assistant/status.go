package assistant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Incident states, in the order an incident usually goes through them.
var States = []string{"investigating", "identified", "restoring", "monitoring", "resolved"}

// Status is the live incident status the assistant may quote. Zero times
// mean "not set".
type Status struct {
	State           string
	StatusText      map[string]string // language → text
	ETA             time.Time
	StatusUpdatedAt time.Time
	NextUpdateAt    time.Time
}

// StatusError names the STATUS.json field that is wrong.
type StatusError struct {
	Field string
	Msg   string
}

func (e *StatusError) Error() string {
	if e.Field == "" {
		return "status: " + e.Msg
	}
	return fmt.Sprintf("status: field %q: %s", e.Field, e.Msg)
}

// ParseStatus decodes a STATUS.json document:
//
//	{"state": "investigating|identified|restoring|monitoring|resolved",
//	 "status_text": {"fr": "…", "en": "…"}, "eta": RFC 3339 or null,
//	 "status_updated_at": RFC 3339, "next_update_at": RFC 3339 or null}
//
// Unknown fields are ignored so that producers may add their own.
func ParseStatus(data []byte) (Status, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return Status{}, &StatusError{Msg: "not a JSON object: " + err.Error()}
	}
	if raw == nil {
		return Status{}, &StatusError{Msg: "not a JSON object"}
	}
	var st Status
	if err := decodeField(raw, "state", true, &st.State); err != nil {
		return Status{}, err
	}
	if !contains(States, st.State) {
		return Status{}, &StatusError{Field: "state", Msg: fmt.Sprintf("%q is not one of %s", st.State, strings.Join(States, ", "))}
	}
	if err := decodeField(raw, "status_text", true, &st.StatusText); err != nil {
		return Status{}, err
	}
	if len(st.StatusText) == 0 {
		return Status{}, &StatusError{Field: "status_text", Msg: `want at least one language, e.g. {"fr": "…", "en": "…"}`}
	}
	for _, lang := range sortedLangs(st.StatusText) {
		if strings.TrimSpace(st.StatusText[lang]) == "" {
			return Status{}, &StatusError{Field: "status_text." + lang, Msg: "empty text"}
		}
	}
	for _, f := range []struct {
		name     string
		required bool
		dst      *time.Time
	}{
		{"eta", false, &st.ETA},
		{"status_updated_at", true, &st.StatusUpdatedAt},
		{"next_update_at", false, &st.NextUpdateAt},
	} {
		var s *string
		if err := decodeField(raw, f.name, f.required, &s); err != nil {
			return Status{}, err
		}
		if s == nil {
			if f.required {
				return Status{}, &StatusError{Field: f.name, Msg: "required, an RFC 3339 time such as 2025-06-03T15:40:00+02:00"}
			}
			continue
		}
		t, err := time.Parse(time.RFC3339, *s)
		if err != nil {
			return Status{}, &StatusError{Field: f.name, Msg: fmt.Sprintf("%q is not an RFC 3339 time such as 2025-06-03T15:40:00+02:00", *s)}
		}
		*f.dst = t
	}
	return st, nil
}

func decodeField(raw map[string]json.RawMessage, name string, required bool, dst any) error {
	v, ok := raw[name]
	if !ok {
		if required {
			return &StatusError{Field: name, Msg: "missing"}
		}
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		want := map[string]string{"state": "a string", "status_text": `an object of strings per language, e.g. {"fr": "…", "en": "…"}`}[name]
		if want == "" {
			want = "an RFC 3339 time string or null"
		}
		return &StatusError{Field: name, Msg: "want " + want + ", got " + truncate(string(v), 40)}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// text returns the status text in lang, else in fallback, else any.
func (s Status) text(lang, fallback string) string {
	if t := s.StatusText[lang]; t != "" {
		return t
	}
	if t := s.StatusText[fallback]; t != "" {
		return t
	}
	keys := make([]string, 0, len(s.StatusText))
	for k := range s.StatusText {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s.StatusText[k] != "" {
			return s.StatusText[k]
		}
	}
	return ""
}

// clock formats t in loc as HH:MM, prefixed with the date (YYYY-MM-DD) when
// t is not on the same local day as ref, so "18:00" never silently means
// tomorrow.
func clock(t, ref time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	lt := t.In(loc)
	if !ref.IsZero() {
		r := ref.In(loc)
		if lt.YearDay() != r.YearDay() || lt.Year() != r.Year() {
			return lt.Format("2006-01-02 15:04")
		}
	}
	return lt.Format("15:04")
}
