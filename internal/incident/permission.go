package incident

// Action is something an actor may be allowed to do.
type Action string

// Actions checked on every surface.
const (
	ActDeclare   Action = "declare"
	ActUpdate    Action = "update"  // state, severity, components, roles
	ActResolve   Action = "resolve" // resolved and closed
	ActTask      Action = "task"    // complete or reopen tasks, notes, tactical reports
	ActDraft     Action = "draft"   // draft and edit messages
	ActApprove   Action = "approve" // approve or reject
	ActPublish   Action = "publish" // publish approved or pre-approved messages
	ActRead      Action = "read"    // see incidents, timeline, messages
	ActAvailable Action = "availability"
)

// permissions maps account roles to the actions they may take. The plan's
// approval policy applies on top of ActApprove and ActPublish.
var permissions = map[string]map[Action]bool{
	"admin":         {ActDeclare: true, ActUpdate: true, ActResolve: true, ActTask: true, ActDraft: true, ActApprove: true, ActPublish: true, ActRead: true, ActAvailable: true},
	"commander":     {ActDeclare: true, ActUpdate: true, ActResolve: true, ActTask: true, ActDraft: true, ActApprove: true, ActPublish: true, ActRead: true, ActAvailable: true},
	"communication": {ActDeclare: true, ActUpdate: true, ActTask: true, ActDraft: true, ActApprove: true, ActPublish: true, ActRead: true},
	"approver":      {ActTask: true, ActApprove: true, ActRead: true},
	"responder":     {ActDeclare: true, ActTask: true, ActRead: true},
	"viewer":        {ActRead: true},
	"system":        {ActDeclare: true, ActUpdate: true, ActResolve: true, ActTask: true, ActDraft: true, ActPublish: true, ActRead: true},
}

// Can reports whether an account role may take an action.
func Can(role string, a Action) bool { return permissions[role][a] }

func (s *Service) authorize(actor Actor, a Action) error {
	if !Can(actor.Role, a) {
		return errorf(CodeForbidden, "%s (%s) may not %s", actor.Username, actor.Role, a)
	}
	return nil
}
