"""Marketing copy: the text-writing interface, the advertising rules and their check, customer segments."""
