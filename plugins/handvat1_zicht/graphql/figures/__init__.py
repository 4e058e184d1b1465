"""The figures per wijk: CBS's and the coalition's own indicators, and the upload of an
own indicator."""
