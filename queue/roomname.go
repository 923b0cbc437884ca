package queue

// MaxRoomNameLen is the longest name a room may have.
const MaxRoomNameLen = 64

// ValidRoomName reports whether name can name a room: 1 to MaxRoomNameLen
// characters of a-z, 0-9, "_" and "-". A name becomes part of store keys,
// cookie names and metric labels, so it holds nothing any of them would
// have to escape. The configuration and the state file are both held to it.
func ValidRoomName(name string) bool {
	if name == "" || len(name) > MaxRoomNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
