package email

// unsafe8bit marks bytes that cannot go as 8bit text (controls other than
// tab; DEL); unsafe7bit adds every byte above 127.
var unsafe8bit, unsafe7bit [256]bool

func init() {
	for c := 0; c < 256; c++ {
		ctl := c < ' ' && c != '\t' && c != '\n' || c == 0x7f
		unsafe8bit[c] = ctl
		unsafe7bit[c] = ctl || c >= 0x80
	}
}
