"""The coalition's figures on learning together: activities held, participants per partner
type, competence coverage per quarter and the most adopted practice examples."""
