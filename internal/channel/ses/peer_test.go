package ses_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hq/vigie/internal/channel/ses"
	"github.com/vigie-hq/vigie/internal/deliver"
	"github.com/vigie-hq/vigie/internal/testpeer"
)

// Against aws-ses-v2-local (a local SES v2 server): 120 recipients go out
// in three SendBulkEmail calls, with the inline template and with a
// stored one, each rendered for its recipient with the one-click
// unsubscribe headers.
func TestAgainstLocalSES(t *testing.T) {
	peer := testpeer.StartSES(t)
	for _, stored := range []string{"", "vigie-alert"} {
		t.Run("template="+stored, func(t *testing.T) {
			s, err := ses.New(ses.Options{Region: "eu-west-1", AccessKeyID: accessKey, SecretAccessKey: secretKey,
				From: "Café Express <alerte@cafe-express.fr>", StoredTemplate: stored, BaseURL: peer.URL, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var its []deliver.Item
			for i := range 120 {
				it := items(1, i)[0]
				it.Address = fmt.Sprintf("client%03d-%s@clients.example", i, stored)
				it.Text = fmt.Sprintf("WhatsApp est en panne {{pas un modèle}} — client %d.", i)
				it.Headers = map[string]string{"List-Unsubscribe": "<" + it.UnsubscribeURL + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
				its = append(its, it)
			}
			for i := 0; i < len(its); i += s.MaxBatch() {
				for _, r := range s.Send(context.Background(), its[i:min(i+s.MaxBatch(), len(its))]) {
					if r.Err != nil || r.ProviderID == "" {
						t.Fatalf("result %+v", r)
					}
				}
			}
			emails, err := peer.Emails(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			by := map[string]testpeer.SESEmail{}
			for _, e := range emails {
				if len(e.Destination.To) == 1 {
					by[e.Destination.To[0]] = e
				}
			}
			for i, it := range its {
				e, ok := by[it.Address]
				if !ok {
					t.Fatalf("%s: not received", it.Address)
				}
				headers := map[string]string{}
				for _, h := range e.Headers {
					headers[h.Name] = h.Value
				}
				if e.Subject != it.Subject || !strings.Contains(e.Body.Text, fmt.Sprintf("{{pas un modèle}} — client %d.", i)) ||
					headers["List-Unsubscribe"] != "<"+it.UnsubscribeURL+">" || headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
					t.Fatalf("%s received %+v", it.Address, e)
				}
			}
		})
	}
}
