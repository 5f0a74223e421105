
wide: 中文字符 日本語 한국어
emoji: 😀🎉👍 ok
combining: é ä ñ
long: 一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七
八九十X


















