package compose

// Preview is what the approval screen shows for one platform: the post as
// it will be sent, its counter, the warnings and the blocking error if any.
type Preview struct {
	Platform Platform
	Text     string
	Length   int
	Limit    int
	Unit     string
	Warnings []string
	// Err blocks approval when set; its message is safe to show.
	Err error
}

// NewPreview composes in for p and keeps the error instead of returning it,
// so that one screen can show every platform at once.
func NewPreview(p Profile, in Input) Preview {
	post, err := Compose(p, in)
	return Preview{
		Platform: post.Platform, Text: post.Text, Length: post.Length, Limit: post.Limit,
		Unit: post.Unit, Warnings: post.Warnings, Err: err,
	}
}

// Remaining is how much room is left, negative when over the limit.
func (p Preview) Remaining() int { return p.Limit - p.Length }

// Blocking reports whether the post cannot be approved as it is.
func (p Preview) Blocking() bool { return p.Err != nil }
