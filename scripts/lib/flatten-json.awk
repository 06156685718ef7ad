# One line per scalar of a JSON document, PATH<TAB>VALUE, in document order: PATH joins object
# keys with "." and array indices as [i] (e.g. scheduler_metrics.layers[0].staleness.mean), VALUE
# is the scalar's text exactly as written (strings keep their quotes), so two documents compare
# line by line whatever their layout. Plain POSIX awk: Debian's default mawk runs it, no jq needed.
# usage: awk -f flatten-json.awk [-v drop=REGEX] FILE
#   drop: leave out every scalar under a key that matches REGEX (any key along its path)

{ text = text $0 "\n" }

END {
  n = length(text)
  pos = 1
  value("")
  blanks()
  if (pos <= n) fail("text after the document")
}

function fail(what) {
  printf "flatten-json: %s: %s at character %d\n", FILENAME, what, pos > "/dev/stderr"
  exit 1
}

function blanks() {
  while (pos <= n && index(" \t\r\n", substr(text, pos, 1)) > 0) pos++
}

# Prints PATH VALUE unless a key on PATH matches drop. keys holds PATH's keys, depth of them.
function emit(path, scalar,    i) {
  if (drop != "")
    for (i = 1; i <= depth; i++)
      if (keys[i] ~ drop) return
  print path "\t" scalar
}

# The string starting at pos (a '"'), quotes and escapes included as written.
function string_token(    start, c) {
  start = pos++
  while (pos <= n) {
    c = substr(text, pos, 1)
    if (c == "\\") pos += 2
    else if (c == "\"") return substr(text, start, ++pos - start)
    else pos++
  }
  fail("unterminated string")
}

function value(path,    c, c2, start, key, i) {
  blanks()
  c = substr(text, pos, 1)
  if (c == "{" || c == "[") {
    pos++
    blanks()
    if (substr(text, pos, 1) == (c == "{" ? "}" : "]")) {  # an empty container is a value too
      pos++
      emit(path, c == "{" ? "{}" : "[]")
      return
    }
    for (i = 0; ; i++) {
      blanks()
      if (c == "{") {
        if (substr(text, pos, 1) != "\"") fail("expected a key")
        key = string_token()
        key = substr(key, 2, length(key) - 2)
        blanks()
        if (substr(text, pos++, 1) != ":") fail("expected ':'")
        keys[++depth] = key
        value(path == "" ? key : path "." key)
        depth--
      } else {
        value(path "[" i "]")
      }
      blanks()
      c2 = substr(text, pos++, 1)
      if (c2 == (c == "{" ? "}" : "]")) return
      if (c2 != ",") fail("expected ',' or the end of the " (c == "{" ? "object" : "array"))
    }
  }
  if (c == "\"") {
    emit(path, string_token())
    return
  }
  start = pos
  while (pos <= n && index(" \t\r\n,]}", substr(text, pos, 1)) == 0) pos++
  if (pos == start) fail("expected a value")
  emit(path, substr(text, start, pos - start))
}
