"""The startfoto and vervolgfoto's: the coalition's dated baseline and later pictures
compared with it."""
