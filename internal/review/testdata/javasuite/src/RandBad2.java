package crypto;
public class RandBad2 {
    public int pin() {
        return (int) (Math.random() * 10000);
    }
}
