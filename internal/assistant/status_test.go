package assistant

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseStatus(t *testing.T) {
	st, err := ParseStatus([]byte(`{"state": "restoring", "status_text": {"fr": "Retour progressif", "en": "Coming back"},
		"eta": "2025-06-03T18:00:00+02:00", "status_updated_at": "2025-06-03T15:40:00+02:00", "next_update_at": null,
		"extra": "ignored"}`))
	if err != nil {
		t.Fatal(err)
	}
	if st.State != "restoring" || st.StatusText["en"] != "Coming back" || st.ETA.IsZero() || !st.NextUpdateAt.IsZero() {
		t.Fatalf("status %+v", st)
	}
	for _, tt := range []struct{ json, field string }{
		{`[]`, ""},
		{`{"status_text": {"fr": "x"}, "status_updated_at": "2025-06-03T15:40:00Z"}`, "state"},
		{`{"state": "broken", "status_text": {"fr": "x"}, "status_updated_at": "2025-06-03T15:40:00Z"}`, "state"},
		{`{"state": "identified", "status_updated_at": "2025-06-03T15:40:00Z"}`, "status_text"},
		{`{"state": "identified", "status_text": "panne", "status_updated_at": "2025-06-03T15:40:00Z"}`, "status_text"},
		{`{"state": "identified", "status_text": {"fr": " "}, "status_updated_at": "2025-06-03T15:40:00Z"}`, "status_text.fr"},
		{`{"state": "identified", "status_text": {"fr": "x"}}`, "status_updated_at"},
		{`{"state": "identified", "status_text": {"fr": "x"}, "status_updated_at": null}`, "status_updated_at"},
		{`{"state": "identified", "status_text": {"fr": "x"}, "status_updated_at": "2025-06-03T15:40:00Z", "eta": "18h"}`, "eta"},
		{`{"state": "identified", "status_text": {"fr": "x"}, "status_updated_at": "2025-06-03T15:40:00Z", "next_update_at": 1600}`, "next_update_at"},
	} {
		_, err := ParseStatus([]byte(tt.json))
		var se *StatusError
		if !errors.As(err, &se) || se.Field != tt.field {
			t.Errorf("ParseStatus(%s) = %v, want an error on field %q", tt.json, err, tt.field)
			continue
		}
		if tt.field != "" && !strings.Contains(err.Error(), `"`+tt.field+`"`) {
			t.Errorf("error %q does not name the field", err)
		}
	}
}

func TestClock(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	ref := time.Date(2025, 6, 3, 13, 40, 0, 0, time.UTC)
	if got := clock(time.Date(2025, 6, 3, 14, 10, 0, 0, time.UTC), ref, paris); got != "16:10" {
		t.Errorf("same day: %s", got)
	}
	if got := clock(time.Date(2025, 6, 4, 7, 0, 0, 0, time.UTC), ref, paris); got != "2025-06-04 09:00" {
		t.Errorf("next day: %s", got)
	}
	if got := clock(time.Time{}, ref, paris); got != "" {
		t.Errorf("zero: %q", got)
	}
}
