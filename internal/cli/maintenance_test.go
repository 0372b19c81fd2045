package cli

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
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

func TestStatuspageExportToBucket(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("status"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(gofakes3.New(backend).Server())
	defer hs.Close()
	data := filepath.Join(t.TempDir(), "data")
	env, out, errw := testEnv(map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret"})
	if code := Run(context.Background(), []string{"statuspage", "export", "--data", data}, env); code != 2 || !strings.Contains(errw.String(), "--s3") {
		t.Fatalf("export without a target: %d %s", code, errw)
	}
	env, out, errw = testEnv(map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret"})
	url := "s3://status/www?endpoint=" + hs.URL + "&path_style=true"
	if code := Run(context.Background(), []string{"statuspage", "export", "--data", data, "--s3", url}, env); code != 0 || !strings.Contains(out.String(), "uploaded") {
		t.Fatalf("export to the bucket: %d %s %s", code, out, errw)
	}
	obj, err := backend.GetObject("status", "www/api/v2/summary.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Contents.Close()
	b, _ := io.ReadAll(obj.Contents)
	if !strings.Contains(string(b), `"indicator":"none"`) {
		t.Fatalf("summary.json in the bucket: %s", b)
	}
	env, _, errw = testEnv(nil)
	if code := Run(context.Background(), []string{"statuspage", "export", "--data", data, "--s3", url}, env); code != 2 || !strings.Contains(errw.String(), "access key") {
		t.Fatalf("export without credentials: %d %s", code, errw)
	}
}
