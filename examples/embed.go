// Package examples embeds the example crisis plans so that the binary works
// from any directory.
package examples

import "embed"

// FS holds cafe-express/plan.yaml and minimal/plan.yaml.
//
//go:embed cafe-express/plan.yaml minimal/plan.yaml
var FS embed.FS
