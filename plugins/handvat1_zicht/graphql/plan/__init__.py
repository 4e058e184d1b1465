"""The plan van aanpak: goals with their baseline and target, actions of partner
organisations with their progress."""
