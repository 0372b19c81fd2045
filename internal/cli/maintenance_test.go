package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMaintenanceCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	from := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	until := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	code, _, errw := runIn(t, "", "maintenance", "schedule", "--data", data, "--component", "oven", "--title-fr", "Four", "--from", from, "--until", until)
	if code != 2 || !strings.Contains(errw, `unknown component "oven"`) {
		t.Fatalf("unknown component: %d %s", code, errw)
	}
	code, _, errw = runIn(t, "", "maintenance", "schedule", "--data", data, "--component", "web-orders", "--title-fr", "Migration", "--from", "tomorrow", "--until", until)
	if code == 0 || !strings.Contains(errw, "--from") {
		t.Fatalf("bad time: %d %s", code, errw)
	}
	code, out, errw := runIn(t, "", "maintenance", "schedule", "--data", data, "--component", "web-orders", "--title-fr", "Migration du site",
		"--title-en", "Website move", "--from", from, "--until", until)
	if code != 0 || !strings.Contains(out, "maintenance 1 scheduled") || !strings.Contains(out, "(scheduled)") {
		t.Fatalf("schedule: %d %s %s", code, out, errw)
	}
	code, out, _ = runIn(t, "", "maintenance", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "Migration du site") || !strings.Contains(out, "[web-orders]") {
		t.Fatalf("list: %d %s", code, out)
	}
	code, out, errw = runIn(t, "", "maintenance", "status", "1", "in_progress", "--data", data)
	if code != 0 || !strings.Contains(out, "now in_progress") {
		t.Fatalf("start early: %d %s %s", code, out, errw)
	}
	code, _, errw = runIn(t, "", "maintenance", "status", "1", "cancelled", "--data", data)
	if code != 2 || !strings.Contains(errw, "complete it instead") {
		t.Fatalf("cancel a started window: %d %s", code, errw)
	}
	export := filepath.Join(t.TempDir(), "site")
	if code, out, errw := runIn(t, "", "statuspage", "export", "--data", data, export); code != 0 {
		t.Fatalf("export: %d %s %s", code, out, errw)
	}
	b, err := os.ReadFile(filepath.Join(export, "api", "v2", "scheduled-maintenances", "active.json"))
	if err != nil || !strings.Contains(string(b), `"status":"in_progress"`) || !strings.Contains(string(b), "Migration du site") {
		t.Fatalf("exported active.json: %v %s", err, b)
	}
}
