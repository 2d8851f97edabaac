package model

import "slices"

// GroupClaims are the claims a user's groups add: cognito:groups in both tokens (by
// precedence), and in the ID token cognito:roles and cognito:preferred_role (the role of the
// group with the lowest precedence that has one).
func GroupClaims(groups []GroupType) (names []string, idExtra map[string]any) {
	idExtra = map[string]any{}
	var roles []string
	preferred := ""
	for _, g := range groups {
		names = append(names, g.GroupName)
		if g.RoleArn != "" {
			if !slices.Contains(roles, g.RoleArn) {
				roles = append(roles, g.RoleArn)
			}
			if preferred == "" && g.Precedence != nil {
				preferred = g.RoleArn
			}
		}
	}
	if len(roles) > 0 {
		idExtra["cognito:roles"] = roles
	}
	if preferred != "" {
		idExtra["cognito:preferred_role"] = preferred
	}
	return names, idExtra
}
