package blueskytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// postIn is an app.bsky.feed.post record as the lexicon defines it.
type postIn struct {
	Type      string          `json:"$type"`
	Text      *string         `json:"text"`
	CreatedAt string          `json:"createdAt"`
	Langs     []string        `json:"langs"`
	Facets    json.RawMessage `json:"facets"`
	Reply     *struct {
		Root   *refIn `json:"root"`
		Parent *refIn `json:"parent"`
	} `json:"reply"`
	Embed *struct {
		Type   string `json:"$type"`
		Images []struct {
			Alt   *string `json:"alt"`
			Image struct {
				Type string `json:"$type"`
				Ref  struct {
					Link string `json:"$link"`
				} `json:"ref"`
				MimeType string `json:"mimeType"`
				Size     int    `json:"size"`
			} `json:"image"`
		} `json:"images"`
	} `json:"embed"`
}

type refIn struct{ URI, CID string }

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		Record     json.RawMessage `json:"record"`
	}
	if !decode(w, r, &in) {
		return
	}
	switch {
	case in.Repo != DID && in.Repo != s.handle:
		xrpcError(w, 400, "InvalidRequest", "Could not find repo: "+in.Repo)
		return
	case in.Collection != "app.bsky.feed.post":
		xrpcError(w, 400, "InvalidRequest", "the double only stores app.bsky.feed.post records, not "+in.Collection)
		return
	}
	var p postIn
	if err := json.Unmarshal(in.Record, &p); err != nil {
		xrpcError(w, 400, "InvalidRequest", "Invalid app.bsky.feed.post record: "+err.Error())
		return
	}
	rec, msg := s.validate(p)
	if msg != "" {
		xrpcError(w, 400, "InvalidRequest", "Invalid app.bsky.feed.post record: "+msg)
		return
	}
	s.seq++
	rec.RKey = tid(s.seq)
	rec.URI = "at://" + DID + "/app.bsky.feed.post/" + rec.RKey
	rec.CID = cid("bafyrei", in.Record)
	s.records = append(s.records, rec)
	writeJSON(w, 200, map[string]any{
		"uri": rec.URI, "cid": rec.CID,
		"commit":           map[string]string{"cid": cid("bafyrei", []byte(rec.URI)), "rev": rec.RKey},
		"validationStatus": "valid",
	})
}

// validate checks the record as the PDS's lexicon validation does, and
// that embedded blobs were uploaded. It returns a message when invalid.
func (s *Server) validate(p postIn) (*Record, string) {
	switch {
	case p.Type != "app.bsky.feed.post":
		return nil, "Record/$type must be app.bsky.feed.post"
	case p.Text == nil:
		return nil, `Record must have the property "text"`
	case graphemes(*p.Text) > 300 || len(*p.Text) > 3000:
		return nil, "Record/text must not be longer than 300 graphemes"
	case p.CreatedAt == "":
		return nil, `Record must have the property "createdAt"`
	case len(p.Langs) > 3:
		return nil, "Record/langs must not have more than 3 elements"
	}
	if _, err := time.Parse(time.RFC3339Nano, p.CreatedAt); err != nil {
		return nil, "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
	}
	rec := &Record{Text: *p.Text, CreatedAt: p.CreatedAt, Langs: p.Langs, Facets: p.Facets}
	if msg := checkFacets(p.Facets, len(*p.Text)); msg != "" {
		return nil, msg
	}
	if p.Reply != nil {
		for name, ref := range map[string]*refIn{"root": p.Reply.Root, "parent": p.Reply.Parent} {
			if ref == nil || !strings.HasPrefix(ref.URI, "at://") || ref.CID == "" {
				return nil, fmt.Sprintf("Record/reply/%s must be a strong reference {uri, cid}", name)
			}
		}
		rec.Root = Ref{p.Reply.Root.URI, p.Reply.Root.CID}
		rec.Parent = Ref{p.Reply.Parent.URI, p.Reply.Parent.CID}
	}
	if e := p.Embed; e != nil {
		if e.Type != "app.bsky.embed.images" {
			return nil, "the double only takes app.bsky.embed.images embeds, not " + e.Type
		}
		if len(e.Images) == 0 || len(e.Images) > 4 {
			return nil, "Record/embed/images must have 1 to 4 elements"
		}
		for i, img := range e.Images {
			blob, ok := s.blobs[img.Image.Ref.Link]
			switch {
			case img.Alt == nil:
				return nil, fmt.Sprintf(`Record/embed/images/%d must have the property "alt"`, i)
			case img.Image.Type != "blob" || !ok:
				return nil, fmt.Sprintf("Record/embed/images/%d/image: could not find blob %q", i, img.Image.Ref.Link)
			case !strings.HasPrefix(blob.MimeType, "image/"):
				return nil, fmt.Sprintf("Record/embed/images/%d/image mimeType %q is not accepted", i, blob.MimeType)
			case blob.Size > 1_000_000:
				return nil, fmt.Sprintf("Record/embed/images/%d/image file too large (%d bytes, max 1000000)", i, blob.Size)
			}
			blob.Alt = *img.Alt
			rec.Images = append(rec.Images, blob)
		}
	}
	return rec, ""
}

// checkFacets checks byte ranges and feature types of app.bsky.richtext.facet.
func checkFacets(raw json.RawMessage, textLen int) string {
	if len(raw) == 0 {
		return ""
	}
	var fs []struct {
		Index *struct {
			ByteStart *int `json:"byteStart"`
			ByteEnd   *int `json:"byteEnd"`
		} `json:"index"`
		Features []map[string]string `json:"features"`
	}
	if err := json.Unmarshal(raw, &fs); err != nil {
		return "Record/facets must be an array of facets: " + err.Error()
	}
	for i, f := range fs {
		if f.Index == nil || f.Index.ByteStart == nil || f.Index.ByteEnd == nil || *f.Index.ByteStart < 0 || *f.Index.ByteEnd < *f.Index.ByteStart || *f.Index.ByteEnd > textLen {
			return fmt.Sprintf("Record/facets/%d/index must be a byte range of the text", i)
		}
		if len(f.Features) == 0 {
			return fmt.Sprintf("Record/facets/%d/features must not be empty", i)
		}
		for _, feat := range f.Features {
			key := map[string]string{"app.bsky.richtext.facet#link": "uri", "app.bsky.richtext.facet#mention": "did", "app.bsky.richtext.facet#tag": "tag"}[feat["$type"]]
			if key == "" || feat[key] == "" {
				return fmt.Sprintf("Record/facets/%d/features: unknown or incomplete feature %v", i, feat)
			}
		}
	}
	return ""
}
