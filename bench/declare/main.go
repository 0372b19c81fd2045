// Command declare measures the latency of real incident declarations
// through the JSON API of a running Vigie on loopback: each round declares
// a drill of a scenario (a full plan activation: roles, tasks, drafts,
// timeline) and resolves it, and the declaration's latency is recorded.
//
//	go run ./bench/declare -url http://127.0.0.1:8080 -token vigie_… -n 200
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Vigie base URL (loopback only)")
	token := flag.String("token", "", "API token with write scope")
	n := flag.Int("n", 200, "declarations (at most 5000)")
	scenarios := flag.String("scenarios", "whatsapp-outage,site-down,ddos,payment-outage,instagram-outage", "scenarios to cycle through")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || net.ParseIP(u.Hostname()) == nil || !net.ParseIP(u.Hostname()).IsLoopback() {
		fail("only loopback URLs are allowed")
	}
	if *n < 1 || *n > 5000 || *token == "" {
		fail("need -token and 1 <= -n <= 5000")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path, body string) (int, map[string]any, time.Duration) {
		req, _ := http.NewRequest(method, *base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+*token)
		req.Header.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			fail("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		d := time.Since(t0)
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out, d
	}
	list := strings.Split(*scenarios, ",")
	var lat []time.Duration
	deadline := time.Now().Add(5 * time.Minute)
	for i := 0; i < *n && time.Now().Before(deadline); i++ {
		code, body, d := call("POST", "/api/v1/incidents", fmt.Sprintf(`{"scenario":%q,"drill":true}`, list[i%len(list)]))
		if code != 201 {
			fail("declare: %d %v", code, body)
		}
		lat = append(lat, d)
		id := int64(body["incident"].(map[string]any)["id"].(float64))
		if code, body, _ := call("POST", fmt.Sprintf("/api/v1/incidents/%d/state", id), `{"state":"resolved"}`); code != 200 {
			fail("resolve: %d %v", code, body)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("%d declarations: p50 %s, p90 %s, p99 %s, max %s\n", len(lat), lat[len(lat)/2].Round(10*time.Microsecond),
		lat[len(lat)*9/10].Round(10*time.Microsecond), lat[len(lat)*99/100].Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "declare: "+format+"\n", args...)
	os.Exit(2)
}
