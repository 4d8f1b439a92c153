// placeholder until the contract module lands
