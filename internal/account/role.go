package account

import (
	"fmt"
	"strings"
)

// Role is what a console account may do.
type Role string

// The roles, from most to least privileged.
const (
	RoleAdmin         Role = "admin"
	RoleCommander     Role = "commander"
	RoleCommunication Role = "communication"
	RoleApprover      Role = "approver"
	RoleResponder     Role = "responder"
	RoleViewer        Role = "viewer"
)

// Roles returns every role, from most to least privileged.
func Roles() []Role {
	return []Role{RoleAdmin, RoleCommander, RoleCommunication, RoleApprover, RoleResponder, RoleViewer}
}

// Valid reports whether r is one of [Roles].
func (r Role) Valid() bool {
	for _, v := range Roles() {
		if r == v {
			return true
		}
	}
	return false
}

// String returns the role name.
func (r Role) String() string { return string(r) }

// ParseRole returns the role named s (case-insensitive, surrounding spaces
// ignored), or an error listing the valid roles.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.Valid() {
		return r, nil
	}
	names := make([]string, 0, len(Roles()))
	for _, v := range Roles() {
		names = append(names, string(v))
	}
	return "", fmt.Errorf("account: unknown role %q: want one of %s", s, strings.Join(names, ", "))
}
