package compose

import (
	"sort"

	"github.com/vigie-hq/vigie/internal/social"
)

// Facet types of the app.bsky.richtext.facet lexicon.
const (
	FacetLink = "app.bsky.richtext.facet#link"
	FacetTag  = "app.bsky.richtext.facet#tag"
)

// Facet marks a range of a Bluesky post's text as a link or a hashtag.
// Bluesky detects nothing itself: without facets a link is plain text.
type Facet struct {
	Index    ByteSlice `json:"index"`
	Features []Feature `json:"features"`
}

// ByteSlice is a range of UTF-8 byte offsets, end exclusive, as the
// lexicon requires (not characters, not UTF-16 units).
type ByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// Feature is what a facet does: link to URI, or tag Tag (without '#').
type Feature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

// Facets returns the link and hashtag facets of a Bluesky post's text,
// sorted by position.
func Facets(text string) []Facet {
	links := findURLs(text)
	var out []Facet
	for _, l := range links {
		out = append(out, Facet{
			Index:    ByteSlice{l.start, l.end},
			Features: []Feature{{Type: FacetLink, URI: text[l.start:l.end]}},
		})
	}
	for _, t := range findHashtags(text) {
		if overlaps(t.span, links) {
			continue
		}
		out = append(out, Facet{
			Index:    ByteSlice{t.start, t.end},
			Features: []Feature{{Type: FacetTag, Tag: t.tag}},
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index.ByteStart < out[j].Index.ByteStart })
	return out
}

// SocialFacets converts facets to the publishers' vocabulary
// (social.Post.Facets); the Bluesky channel turns them back into lexicon
// records when it posts.
func SocialFacets(fs []Facet) []social.Facet {
	out := make([]social.Facet, 0, len(fs))
	for _, f := range fs {
		for _, ft := range f.Features {
			sf := social.Facet{ByteStart: f.Index.ByteStart, ByteEnd: f.Index.ByteEnd}
			switch ft.Type {
			case FacetLink:
				sf.Kind, sf.Value = social.FacetLink, ft.URI
			case FacetTag:
				sf.Kind, sf.Value = social.FacetTag, ft.Tag
			default:
				continue
			}
			out = append(out, sf)
		}
	}
	return out
}
