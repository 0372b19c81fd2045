package api_test

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMaintenanceAPI(t *testing.T) {
	ts := newTestServer(t)
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	in := map[string]any{"title": map[string]string{"fr": "Migration", "en": "Migration"}, "components": []string{"web-orders"},
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)}

	for _, tc := range []struct {
		name, token string
		body        any
		code        int
		want        string
	}{
		{"viewer", ts.tokens["guest"], in, 403, "may not schedule"},
		{"read-only token", ts.read, in, 403, ""},
		{"truncated", ts.tokens["admin"], `{"title":`, 400, "invalid JSON"},
		{"unknown field", ts.tokens["admin"], `{"titel":{}}`, 400, "unknown field"},
		{"unknown component", ts.tokens["admin"], map[string]any{"title": map[string]string{"fr": "x"}, "components": []string{"oven"},
			"starts_at": in["starts_at"], "ends_at": in["ends_at"]}, 422, `components[0]: unknown component "oven"`},
	} {
		code, body := ts.call(t, tc.token, "POST", "/api/v1/maintenances", tc.body)
		if code != tc.code || !strings.Contains(errMessage(body), tc.want) {
			t.Errorf("%s: %d %v; want %d with %q", tc.name, code, body, tc.code, tc.want)
		}
	}
	code, body := ts.call(t, ts.tokens["marie"], "POST", "/api/v1/maintenances", in)
	if code != 201 || body["status"] != "scheduled" || body["created_by"] != "marie" {
		t.Fatalf("schedule: %d %v", code, body)
	}
	id := num(body["id"])
	path := "/api/v1/maintenances/" + itoa(id)
	if code, body = ts.call(t, ts.read, "GET", path, nil); code != 200 || num(body["id"]) != id {
		t.Fatalf("get: %d %v", code, body)
	}
	if code, body = ts.call(t, ts.tokens["marie"], "POST", path+"/status", map[string]any{"status": "verifying"}); code != 409 {
		t.Fatalf("verifying before the start: %d %v", code, body)
	}
	if code, body = ts.call(t, ts.tokens["marie"], "POST", path+"/status", map[string]any{"status": "cancelled"}); code != 200 || body["status"] != "cancelled" {
		t.Fatalf("cancel: %d %v", code, body)
	}
	code, body = ts.call(t, ts.read, "GET", "/api/v1/maintenances", nil)
	list, _ := body["maintenances"].([]any)
	if code != 200 || len(list) != 1 {
		t.Fatalf("list: %d %v", code, body)
	}
	if code, body = ts.call(t, ts.read, "GET", "/api/v1/maintenances?since=yesterday", nil); code != 400 {
		t.Fatalf("bad since: %d %v", code, body)
	}
	if code, _ = ts.call(t, ts.read, "GET", "/api/v1/maintenances/999", nil); code != 404 {
		t.Fatalf("missing window: %d", code)
	}
}

func errMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
